import { describe, expect, it } from 'vitest';
import { portableChecksum, recordChecksum } from '../../src/store/checksum.js';

describe('portableChecksum (the fallback for Node without zlib.crc32)', () => {
  it('computes the same sums as recordChecksum, for ASCII, Unicode, lone surrogates, no data and large data', () => {
    const cases: [string, number, string, string | null | undefined, number][] = [
      ['order-42', 7, 'created', '{"total":12}', 1_700_000_000_000],
      ['s', 1, 't', undefined, 5],
      ['s', 1, 't', null, 5],
      ['ünïcödé ☃ 🎉', 123_456, 'número 🎉', JSON.stringify('snow ☃ \u0000'), 0],
      ['lone\uD800', 3, 't\uDC00', 'd\uD800x', 5],
      ['s', 1, 't', JSON.stringify('🎉'.repeat(40_000)), 5],
    ];
    for (const c of cases) expect(portableChecksum(...c), JSON.stringify(c.slice(0, 3))).toBe(recordChecksum(...c));
  });
});
