import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { checkAppend } from '../../src/store/validate.js';

/** The error path checkAppend reports for `data`, or 'ok'. */
function verdict(data: unknown): string {
  try {
    checkAppend('s', [{ type: 't', data }], undefined);
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as InvalidArgumentError).path;
  }
}

describe('checkAppend data checks (fast path, and assertJson behind it)', () => {
  it('accepts plain JSON, including null-prototype objects, sparse arrays and nesting deeper than the fast path goes', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = i % 2 ? { d: deep } : [deep];
    const sparse: unknown[] = [1];
    sparse[3] = 2;
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    for (const data of [null, 0, -1.5, '', 'x', true, [], {}, { a: [1, { b: null }], c: undefined }, deep, sparse, bare]) {
      expect(verdict(data), JSON.stringify(data)?.slice(0, 40)).toBe('ok');
    }
  });

  it('refuses what is not JSON, naming the path, however deep', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle['self'] = cycle;
    let deep: unknown = { bad: () => 1 };
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(verdict(NaN)).toBe('records[0].data');
    expect(verdict({ x: [1, Infinity] })).toBe('records[0].data.x[1]');
    expect(verdict({ when: new Date(0) })).toBe('records[0].data.when');
    expect(verdict([1n])).toBe('records[0].data[0]');
    expect(verdict([undefined])).toBe('records[0].data[0]');
    expect(verdict({ s: Symbol('s') })).toBe('records[0].data.s');
    expect(verdict(cycle)).toBe('records[0].data.self');
    expect(verdict(deep)).toBe(`records[0].data${'.d'.repeat(100)}.bad`);
  });

  it('serialises the data as JSON.stringify does', () => {
    const data = { b: [1, 'two', null], a: { nested: true }, skipped: undefined };
    expect(checkAppend('s', [{ type: 't', data }], undefined).records[0]!.data).toBe(JSON.stringify(data));
  });
});
