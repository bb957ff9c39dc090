import { InvalidArgumentError } from '../errors.js';

/** A value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/**
 * Checks that `value` is plain JSON (no functions, symbols, BigInts, cycles, non-finite
 * numbers, class instances other than plain objects and arrays), so that what is written to
 * a journal reads back equal.
 *
 * @throws {@link InvalidArgumentError} naming the path inside `value` that is not JSON.
 */
export function assertJson(value: unknown, path: string): asserts value is JsonValue {
  const seen = new Set<object>();
  const visit = (v: unknown, at: string): void => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return;
      throw new InvalidArgumentError({ path: at, expected: 'JSON (a finite number)', got: v });
    }
    if (typeof v !== 'object') {
      throw new InvalidArgumentError({ path: at, expected: 'JSON (no functions, symbols, BigInts or undefined)', got: v });
    }
    if (seen.has(v)) throw new InvalidArgumentError({ path: at, expected: 'JSON (no cycles)', got: '[cycle]' });
    seen.add(v);
    if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, `${at}[${i}]`));
    } else {
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) {
        throw new InvalidArgumentError({
          path: at,
          expected: 'JSON (plain objects and arrays only)',
          got: `instance of ${(v as { constructor?: { name?: string } }).constructor?.name ?? 'unknown class'}`,
        });
      }
      for (const [key, item] of Object.entries(v)) {
        if (item === undefined) continue;
        visit(item, `${at}.${key}`);
      }
    }
    seen.delete(v);
  };
  visit(value, path);
}
