import { freeze } from 'immer';
import { Keyed } from './keyed.js';

/**
 * What a store's state may hold, by kind:
 * - `primitive`: a string, a finite number, a boolean or `null`;
 * - `object`: a plain object (prototype `Object.prototype` or `null`);
 * - `array`: an array without holes;
 * - `map`: a `Map` with string keys;
 * - `set`: a `Set` of primitives;
 * - `keyed`: a {@link Keyed} collection.
 *
 * Anything else (`undefined`, functions, class instances, `Date`, `NaN`) is refused, because
 * every state must turn into JSON patches and back without loss.
 */
export const VALUE_KINDS = ['primitive', 'object', 'array', 'map', 'set', 'keyed'] as const;

/** One of {@link VALUE_KINDS}. */
export type ValueKind = (typeof VALUE_KINDS)[number];

/** The kind of a value (drafts included), or `undefined` when a state cannot hold it. */
export function kindOf(value: unknown): ValueKind | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return 'primitive';
  if (typeof value === 'number') return Number.isFinite(value) ? 'primitive' : undefined;
  if (typeof value !== 'object') return undefined;
  if (Array.isArray(value)) return 'array';
  if (value instanceof Keyed) return 'keyed';
  if (value instanceof Map) return 'map';
  if (value instanceof Set) return 'set';
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null ? 'object' : undefined;
}

/**
 * Freezes a value all the way down, even below parts that are already frozen (a caller may
 * have frozen only the top), and into Keyed collections, where Immer's own freeze does not go.
 * Used on a store's initial state and on values decoded from patches; values made by recipes
 * are frozen by Immer and by {@link Keyed.set}.
 */
export function freezeDeep(value: unknown): void {
  switch (kindOf(value)) {
    case 'array':
      (value as unknown[]).forEach(freezeDeep);
      break;
    case 'object':
      Object.values(value as object).forEach(freezeDeep);
      break;
    case 'map':
      for (const item of (value as Map<string, unknown>).values()) freezeDeep(item);
      break;
    case 'keyed':
      for (const item of (value as Keyed<unknown>).values()) freezeDeep(item);
      break;
    case 'set':
    case 'primitive':
    case undefined:
      break;
  }
  freeze(value);
}
