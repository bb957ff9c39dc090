import { InvalidArgumentError } from '../errors.js';
import { toMillis, type Duration } from '../internal/duration.js';
import type { Journal } from '../store/index.js';
import { CommandRegistry } from './registry.js';

/** Options of a {@link History}, in memory or durable. */
export interface HistoryOptions {
  /**
   * How many undo steps are kept; when one more is added, the oldest is dropped. An integer
   * >= 1, or `Infinity`.
   * @default 100
   */
  readonly depth?: number | undefined;
  /**
   * Commands with the same `coalesceKey` executed one after another, each within this time of
   * the previous one, are one undo step; undoing it goes back to before the first.
   * @default '500ms'
   */
  readonly coalesceWindow?: Duration | undefined;
  /**
   * The time in epoch milliseconds, read when a command is given to `execute`; only
   * coalescing uses it. Inject one to test coalescing without waiting.
   * @default Date.now
   */
  readonly clock?: (() => number) | undefined;
}

/** {@link HistoryOptions} checked, with defaults applied. */
export interface ResolvedHistoryOptions {
  readonly depth: number;
  readonly coalesceWindowMs: number;
  readonly clock: () => number;
}

const DEFAULT_DEPTH = 100;
const DEFAULT_COALESCE_WINDOW_MS = 500;

/**
 * Checks history options once and applies defaults.
 *
 * @throws {@link InvalidArgumentError} naming the first invalid option.
 */
export function resolveHistoryOptions(options: HistoryOptions | undefined, path: string): ResolvedHistoryOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidArgumentError({ path, expected: 'an options object or undefined', got: options });
  }
  const depth = options?.depth ?? DEFAULT_DEPTH;
  if (depth !== Infinity && (!Number.isInteger(depth) || depth < 1)) {
    throw new InvalidArgumentError({ path: `${path}.depth`, expected: 'an integer >= 1 or Infinity', got: depth });
  }
  const coalesceWindowMs = options?.coalesceWindow === undefined
    ? DEFAULT_COALESCE_WINDOW_MS
    : toMillis(options.coalesceWindow, `${path}.coalesceWindow`);
  const clock = options?.clock ?? Date.now;
  if (typeof clock !== 'function') {
    throw new InvalidArgumentError({ path: `${path}.clock`, expected: 'a function returning epoch milliseconds', got: clock });
  }
  return Object.freeze({ depth, coalesceWindowMs, clock });
}

/**
 * How `History.open` rebuilds a history from its journal.
 *
 * - `stacks`: rebuild the undo and redo stacks only; no command runs. For commands whose
 *   effects are durable elsewhere (a database, a file), which already hold them.
 * - `effects`: also run every journaled execute, undo and redo again, in order, from the
 *   start of the stream: for commands that act on in-memory state, which the replay rebuilds
 *   from the initial state (so the state must start as it did when the stream began). If a
 *   command throws, the open fails and the state is left as far as the replay got.
 */
export const REPLAY_MODES = ['stacks', 'effects'] as const;

/** One of {@link REPLAY_MODES}. */
export type ReplayMode = (typeof REPLAY_MODES)[number];

/** Options of `History.open`: a history made durable by a journal stream. */
export interface OpenHistoryOptions extends HistoryOptions {
  /** The journal to record to and replay from (from `openStore`); the history does not close it. */
  readonly journal: Journal;
  /** The stream that holds this history; one history per stream, one writer at a time. */
  readonly stream: string;
  /** The command types the stream may hold; every one must be defined before opening. */
  readonly registry: CommandRegistry;
  /**
   * Whether replay also runs the commands: see {@link REPLAY_MODES}.
   * @default 'stacks'
   */
  readonly replay?: ReplayMode | undefined;
}

/** {@link OpenHistoryOptions} checked, with defaults applied. */
export interface ResolvedOpenOptions {
  readonly journal: Journal;
  readonly stream: string;
  readonly registry: CommandRegistry;
  readonly replay: ReplayMode;
}

/**
 * Checks the journal options of `History.open` (the history options are checked by
 * {@link resolveHistoryOptions}).
 *
 * @throws {@link InvalidArgumentError} naming the first invalid option.
 */
export function resolveOpenOptions(options: OpenHistoryOptions): ResolvedOpenOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError({ path: 'History.open options', expected: 'an options object { journal, stream, registry }', got: options });
  }
  const { journal, stream, registry } = options;
  if (typeof journal !== 'object' || journal === null || typeof journal.append !== 'function' || typeof journal.read !== 'function') {
    throw new InvalidArgumentError({ path: 'History.open options.journal', expected: 'a journal from openStore()', got: journal });
  }
  if (typeof stream !== 'string' || stream === '') {
    throw new InvalidArgumentError({ path: 'History.open options.stream', expected: 'a non-empty string', got: stream });
  }
  if (!(registry instanceof CommandRegistry)) {
    throw new InvalidArgumentError({ path: 'History.open options.registry', expected: 'a CommandRegistry', got: registry });
  }
  const replay = options.replay ?? 'stacks';
  if (!REPLAY_MODES.includes(replay)) {
    throw new InvalidArgumentError({ path: 'History.open options.replay', expected: `one of ${REPLAY_MODES.map((m) => `"${m}"`).join(', ')}`, got: replay });
  }
  return Object.freeze({ journal, stream, registry, replay });
}
