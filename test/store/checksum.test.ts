import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { recordChecksum } from '../../src/store/checksum.js';

const joined = (...fields: string[]): number => crc32(fields.map((f) => `${f}\0`).join(''));

describe('recordChecksum', () => {
  it("is zlib's standard CRC-32 of the record's fields, each followed by a zero byte", () => {
    expect(recordChecksum('order-42', 7, 'created', '{"total":12}', 1_700_000_000_000)).toBe(
      joined('order-42', '7', 'created', '1700000000000', '=', '{"total":12}'),
    );
    expect(recordChecksum('s', 1, 't', undefined, 5)).toBe(joined('s', '1', 't', '5', '-'));
    const unicode = 'ünïcödé ☃ 🎉';
    expect(recordChecksum(unicode, 1, unicode, JSON.stringify(unicode), 5)).toBe(
      joined(unicode, '1', unicode, '5', '=', JSON.stringify(unicode)),
    );
  });

  it('handles data larger than its scratch buffer', () => {
    const big = JSON.stringify('🎉'.repeat(40_000));
    expect(recordChecksum('s', 1, 't', big, 5)).toBe(joined('s', '1', 't', '5', '=', big));
  });

  it('changes when any field changes, and treats null data as no data', () => {
    const base = recordChecksum('s', 1, 't', '1', 5);
    expect(new Set([
      base,
      recordChecksum('s2', 1, 't', '1', 5),
      recordChecksum('s', 2, 't', '1', 5),
      recordChecksum('s', 1, 't2', '1', 5),
      recordChecksum('s', 1, 't', '2', 5),
      recordChecksum('s', 1, 't', '1', 6),
      recordChecksum('s', 1, 't', undefined, 5),
      recordChecksum('s1', 1, '', '1', 5),
    ]).size).toBe(8);
    expect(recordChecksum('s', 1, 't', null, 5)).toBe(recordChecksum('s', 1, 't', undefined, 5));
  });
});
