import { InvalidArgumentError } from '../errors.js';
import { toEpochMillis } from '../internal/duration.js';
import type { VersionInfo } from './types.js';

/** Options of {@link createStore}. */
export interface StoreOptions {
  /**
   * How many versions the store retains, the current one included. Older versions are dropped
   * as new ones are made; asking for one then throws {@link StateVersionNotFoundError}.
   * Retained versions share structure, so each costs memory in proportion to what changed.
   *
   * @default 100
   */
  readonly keep?: number | undefined;
  /**
   * The number and timestamp of the initial state's version, when the store continues a
   * history kept elsewhere (a journal replayed with `store.replay`, or a snapshot).
   *
   * @default `{ version: 0, at: <now> }`
   */
  readonly origin?: VersionInfo | undefined;
  /**
   * The clock that timestamps versions. Timestamps never go backwards: a reading older than
   * the newest version's is taken as that version's.
   *
   * @default `() => new Date()`
   */
  readonly now?: (() => Date) | undefined;
}

/** {@link StoreOptions} checked, with defaults applied. */
export interface ResolvedStoreOptions {
  readonly keep: number;
  readonly origin: { readonly version: number; readonly atMs: number } | undefined;
  readonly now: () => number;
}

const KNOWN = ['keep', 'origin', 'now'];

/**
 * Checks and completes the options of {@link createStore}.
 *
 * @throws {@link InvalidArgumentError} naming the first option that is wrong.
 */
export function resolveStoreOptions(options: unknown): ResolvedStoreOptions {
  if (options === undefined) return Object.freeze({ keep: 100, origin: undefined, now: Date.now });
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({ path: 'options', expected: 'an options object', got: options });
  }
  const unknownKey = Object.keys(options).find((key) => !KNOWN.includes(key));
  if (unknownKey !== undefined) {
    throw new InvalidArgumentError({ path: `options.${unknownKey}`, expected: `one of the options ${KNOWN.join(', ')}`, got: unknownKey });
  }
  const { keep = 100, origin, now } = options as StoreOptions;
  if (!Number.isSafeInteger(keep) || keep < 1) {
    throw new InvalidArgumentError({ path: 'options.keep', expected: 'a positive integer (versions to retain)', got: keep });
  }
  if (now !== undefined && typeof now !== 'function') {
    throw new InvalidArgumentError({ path: 'options.now', expected: 'a function returning a Date', got: now });
  }
  let resolvedOrigin: ResolvedStoreOptions['origin'];
  if (origin !== undefined) {
    if (typeof origin !== 'object' || origin === null) {
      throw new InvalidArgumentError({ path: 'options.origin', expected: 'an object { version, at }', got: origin });
    }
    if (!Number.isSafeInteger(origin.version) || origin.version < 0) {
      throw new InvalidArgumentError({ path: 'options.origin.version', expected: 'an integer >= 0', got: origin.version });
    }
    resolvedOrigin = { version: origin.version, atMs: toEpochMillis(origin.at, 'options.origin.at') };
  }
  const clock = now === undefined ? Date.now : (): number => toEpochMillis(now(), 'options.now()');
  return Object.freeze({ keep, origin: resolvedOrigin, now: clock });
}
