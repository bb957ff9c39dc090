/**
 * The options of the saga engine and of its calls, documented field by field, and their
 * validation into the resolved form the engine reads. Bad options are refused with an
 * `InvalidArgumentError` before anything is opened or written.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import { toEpochMillis, toMillis, type Duration } from '../internal/duration.js';
import type { Durability, Journal } from '../store/index.js';
import type { SagaDefinition } from './definition.js';
import { RESOLUTIONS, type Resolution } from './events.js';
import { RUN_STATUSES, type RunStatus } from './state.js';
import { resolveId, resolveStoreRetry, resolveWorkerOptions, type ResolvedStoreRetry, type ResolvedWorkerOptions, type StoreRetryOptions, type WorkerOptions } from './worker/worker-options.js';

/**
 * When the engine stops retrying the compensations of a saga and escalates them to
 * `stuck` at once: a circuit breaker (cockatiel's) per saga name, fed by every
 * compensation call of that saga's runs.
 *
 * - `{ consecutiveFailures }`: opens after that many compensation failures in a row.
 * - `{ failureRate, window }`: opens when at least that share of the compensation calls
 *   of the last `window` failed (with at least `minimumRps` calls per second on average).
 *
 * While open, a due compensation is not called: its attempt is recorded as failed for good
 * with a {@link CompensationCircuitOpenError} and the run goes to `stuck`. After
 * `halfOpenAfter` one compensation is let through as a probe; its success closes the
 * breaker. The breaker lives in memory: a restarted engine starts with it closed.
 */
export type CompensationBreakerOptions =
  | {
      /** Open after this many consecutive compensation failures of one saga. An integer >= 1. */
      readonly consecutiveFailures: number;
      /**
       * How long the breaker stays open before it lets one compensation through.
       * @default '30s'
       */
      readonly halfOpenAfter?: Duration | undefined;
    }
  | {
      /** Open when this share (0 < rate <= 1) of the calls in `window` failed. */
      readonly failureRate: number;
      /** The sliding window the rate is measured over. */
      readonly window: Duration;
      /**
       * The fewest calls per second (averaged over the window) before the rate counts.
       * @default cockatiel's: `5 / failureRate` calls per second
       */
      readonly minimumRps?: number | undefined;
      /**
       * How long the breaker stays open before it lets one compensation through.
       * @default '30s'
       */
      readonly halfOpenAfter?: Duration | undefined;
    };

/** Options of {@link openEngine}. */
export interface OpenEngineOptions {
  /**
   * Where run journals are kept: a store URL (`'sqlite:./rewind.db'`, `':memory:'`) that
   * the engine opens and closes, or an open {@link Journal} that stays the caller's to close.
   */
  readonly store: string | Journal;
  /**
   * The durability of appends when `store` is a URL; see {@link Durability}.
   * @default 'always'
   */
  readonly durability?: Durability | undefined;
  /**
   * The time, epoch milliseconds, used to plan: retry wake-ups, deadlines, backoff. It must
   * advance with real time (waits are real timers of `until - clock()`); tests shift it.
   * @default Date.now
   */
  readonly clock?: (() => number) | undefined;
  /**
   * The random source of backoff jitter, in [0, 1).
   * @default Math.random
   */
  readonly random?: (() => number) | undefined;
  /** Definitions to register before recovery, as `engine.register()` would. */
  readonly sagas?: readonly SagaDefinition[] | undefined;
  /**
   * Once a call's signal has aborted (timeout, cancel, deadline, close), how long the
   * engine waits for the call to settle before it records the attempt as failed with the
   * signal's reason and moves on. A call that ignores its signal may still be running then.
   * @default '2s'
   */
  readonly abortGrace?: Duration | undefined;
  /**
   * The per-saga compensation circuit breaker; `false` turns it off.
   * @default { consecutiveFailures: 5, halfOpenAfter: '30s' }
   */
  readonly compensationBreaker?: CompensationBreakerOptions | false | undefined;
  /**
   * Whether opening resumes every unfinished run. `false` opens without resuming any: a run
   * is taken up only when a request names it (`cancel`, `resolve`, `revert`), so a tool that
   * acts on one run (the `rewind` CLI) does not drive every other run in its process. On a
   * store with coordination (PostgreSQL) such an engine claims no runs at all: its requests
   * are appended for the workers that do.
   * @default true
   */
  readonly recover?: boolean | undefined;
  /**
   * How this engine works as one of many workers on a store with coordination (PostgreSQL):
   * its id, its leases' time to live, how many runs it drives, how often it polls; see
   * {@link WorkerOptions}. Such a store always runs the engine as a worker, with these
   * defaults when left out; refused on other stores.
   */
  readonly worker?: WorkerOptions | undefined;
  /**
   * How store calls that fail with a retryable `StoreUnavailableError` (a dropped connection,
   * a database restart, a busy lock) are retried; `false` fails at once. See {@link StoreRetryOptions}.
   * @default { deadline: '30s', initialDelay: '50ms', maxDelay: '2s' }
   */
  readonly storeRetry?: StoreRetryOptions | false | undefined;
}

/** Options of `engine.start()`. */
export interface StartOptions {
  /**
   * The run's id, unique among runs: starting again with an existing id returns the
   * existing run. Use a business key (`order-42`) to make starts idempotent.
   * @default a random UUID
   */
  readonly id?: string | undefined;
  /**
   * When the run must have committed: a duration from now (`'15m'`) or a time. Past it, a
   * run that has not committed is compensated. Recorded in the journal: a restart keeps it.
   * @default no deadline
   */
  readonly deadline?: Duration | Date | undefined;
}

/** Options of `run.result()`. */
export interface ResultOptions {
  /**
   * How long to wait for the run to settle; past it the result is its current status
   * (`running` or `compensating`) and the run goes on.
   * @default no limit
   */
  readonly timeout?: Duration | undefined;
}

/** What an operator records to resolve a stuck run: `engine.resolve(runId, options)`. */
export interface ResolveOptions {
  /** The stuck step, as the run's `stuck.step` names it. */
  readonly step: string;
  /** What was done; see {@link Resolution}. */
  readonly action: Resolution;
  /** Why, for the journal: what the operator checked or did. */
  readonly reason: string;
  /** Who resolved it, for the journal. */
  readonly by?: string | undefined;
}

/** Filters of `engine.list()`. */
export interface ListOptions {
  /** Only runs with this status (or one of these). */
  readonly status?: RunStatus | readonly RunStatus[] | undefined;
  /** Only runs of this saga (any version). */
  readonly saga?: string | undefined;
  /**
   * Only runs started at or after this time (a `Date` or epoch ms). Runs whose journal was
   * last written before it are skipped without being read.
   */
  readonly since?: Date | number | undefined;
  /**
   * At most this many runs (a positive integer): the most recently started, and the list is
   * then newest first (ties by run id) rather than in run id order.
   */
  readonly limit?: number | undefined;
}

/** @internal {@link ListOptions} after validation. */
export interface ResolvedListOptions {
  readonly statuses: readonly RunStatus[] | undefined;
  readonly saga: string | undefined;
  /** Epoch ms. */
  readonly since: number | undefined;
  readonly limit: number | undefined;
}

/** @internal Engine options after validation. */
export interface ResolvedEngineOptions {
  readonly store: string | Journal;
  readonly durability: Durability | undefined;
  readonly clock: () => number;
  readonly random: () => number;
  readonly sagas: readonly SagaDefinition[];
  readonly abortGraceMs: number;
  readonly breaker: CompensationBreakerOptions | false;
  readonly recover: boolean;
  readonly worker: ResolvedWorkerOptions | undefined;
  readonly storeRetry: ResolvedStoreRetry;
}

const DEFAULT_BREAKER: CompensationBreakerOptions = Object.freeze({ consecutiveFailures: 5, halfOpenAfter: '30s' });

/**
 * @internal Validates the options of `openEngine`.
 * @throws {@link InvalidArgumentError} naming the first bad option.
 */
export function resolveEngineOptions(options: unknown): ResolvedEngineOptions {
  const o = record(options, 'openEngine options', 'an options object { store, durability?, clock?, sagas?, ... }');
  const store = o['store'];
  if (typeof store !== 'string' && !isJournal(store)) {
    throw new InvalidArgumentError({ path: 'options.store', expected: 'a store URL such as "sqlite:./rewind.db" or ":memory:", or an open Journal', got: store });
  }
  if (o['durability'] !== undefined && typeof store !== 'string') {
    throw new InvalidArgumentError({ path: 'options.durability', expected: 'left out when options.store is an open Journal (it has its own)', got: o['durability'] });
  }
  const sagas = o['sagas'] ?? [];
  if (!Array.isArray(sagas)) throw new InvalidArgumentError({ path: 'options.sagas', expected: 'an array of saga definitions', got: sagas });
  return Object.freeze({
    store,
    durability: o['durability'] as Durability | undefined,
    clock: fn<() => number>(o['clock'], 'options.clock') ?? Date.now,
    random: fn<() => number>(o['random'], 'options.random') ?? Math.random,
    sagas: Object.freeze([...(sagas as SagaDefinition[])]),
    abortGraceMs: toMillis(o['abortGrace'] ?? '2s', 'options.abortGrace'),
    breaker: resolveBreaker(o['compensationBreaker']),
    recover: flag(o['recover'], 'options.recover') ?? true,
    worker: resolveWorkerOptions(o['worker']),
    storeRetry: resolveStoreRetry(o['storeRetry']),
  });
}

function resolveBreaker(value: unknown): CompensationBreakerOptions | false {
  if (value === false) return false;
  if (value === undefined) return DEFAULT_BREAKER;
  const path = 'options.compensationBreaker';
  const b = record(value, path, 'false, { consecutiveFailures, halfOpenAfter? } or { failureRate, window, minimumRps?, halfOpenAfter? }');
  if (b['halfOpenAfter'] !== undefined) toMillis(b['halfOpenAfter'], `${path}.halfOpenAfter`);
  if (b['consecutiveFailures'] !== undefined) {
    const n = b['consecutiveFailures'];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      throw new InvalidArgumentError({ path: `${path}.consecutiveFailures`, expected: 'an integer >= 1', got: n });
    }
    return Object.freeze({ ...b }) as CompensationBreakerOptions;
  }
  const rate = b['failureRate'];
  if (typeof rate !== 'number' || !(rate > 0 && rate <= 1)) {
    throw new InvalidArgumentError({ path: `${path}.failureRate`, expected: 'a number in (0, 1] (or give consecutiveFailures instead)', got: rate });
  }
  toMillis(b['window'], `${path}.window`);
  const rps = b['minimumRps'];
  if (rps !== undefined && (typeof rps !== 'number' || !(rps > 0))) {
    throw new InvalidArgumentError({ path: `${path}.minimumRps`, expected: 'a number > 0', got: rps });
  }
  return Object.freeze({ ...b }) as CompensationBreakerOptions;
}

/**
 * @internal Validates the options of `engine.start()`: the run id (or a fresh UUID when it is
 * left out; `null` is refused, not taken for "left out") and the deadline as epoch ms on the
 * engine's clock. The id becomes part of a stream name, so it must be storable text.
 * @throws {@link InvalidArgumentError} naming the bad option.
 */
export function resolveStartOptions(options: unknown, now: number, newId: () => string): { runId: string; deadline: number | undefined } {
  const o = record(options ?? {}, 'start options', 'an options object { id?, deadline? }');
  const id = resolveId(o['id'], 'options.id', newId);
  const deadline = o['deadline'];
  if (deadline === undefined) return { runId: id, deadline: undefined };
  const at = deadline instanceof Date ? toEpochMillis(deadline, 'options.deadline') : now + toMillis(deadline, 'options.deadline');
  return { runId: id, deadline: at };
}

/**
 * @internal The timeout of `result()` in ms, or `undefined` for none.
 * @throws {@link InvalidArgumentError} when it is not a duration.
 */
export function resolveResultTimeout(options: unknown): number | undefined {
  const o = record(options ?? {}, 'result options', 'an options object { timeout? }');
  return o['timeout'] === undefined ? undefined : toMillis(o['timeout'], 'options.timeout');
}

/**
 * @internal Validates an operator's resolution.
 * @throws {@link InvalidArgumentError} naming the bad field.
 */
export function resolveResolution(options: unknown): ResolveOptions {
  const o = record(options, 'resolve options', 'an options object { step, action, reason, by? }');
  const text = (key: string, required: boolean) => optionText(o, key, required);
  const action = o['action'];
  if (!RESOLUTIONS.some((r) => r === action)) {
    throw new InvalidArgumentError({ path: 'options.action', expected: `one of ${RESOLUTIONS.map((r) => `"${r}"`).join(', ')}`, got: action });
  }
  const by = text('by', false);
  return { step: text('step', true)!, action: action as Resolution, reason: text('reason', true)!, ...(by === undefined ? {} : { by }) };
}

/**
 * @internal Validates the filters of `engine.list()`.
 * @throws {@link InvalidArgumentError} naming the bad filter.
 */
export function resolveListOptions(options: unknown): ResolvedListOptions {
  const o = record(options ?? {}, 'list options', 'an options object { status?, saga?, since?, limit? }');
  const status = o['status'];
  const statuses = status === undefined ? undefined : Array.isArray(status) ? (status as unknown[]) : [status];
  for (const s of statuses ?? []) {
    if (!RUN_STATUSES.some((known) => known === s)) {
      throw new InvalidArgumentError({ path: 'options.status', expected: `one of ${RUN_STATUSES.map((r) => `"${r}"`).join(', ')}`, got: s });
    }
  }
  const saga = o['saga'];
  if (saga !== undefined && typeof saga !== 'string') throw new InvalidArgumentError({ path: 'options.saga', expected: 'a saga name', got: saga });
  const since = o['since'];
  const sinceMs = since instanceof Date ? since.getTime() : since;
  if (sinceMs !== undefined && (typeof sinceMs !== 'number' || !Number.isFinite(sinceMs))) {
    throw new InvalidArgumentError({ path: 'options.since', expected: 'a valid Date or epoch milliseconds', got: since });
  }
  const limit = o['limit'];
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
    throw new InvalidArgumentError({ path: 'options.limit', expected: 'a positive integer', got: limit });
  }
  return { statuses: statuses as RunStatus[] | undefined, saga, since: sinceMs, limit };
}

/**
 * @internal Option `key` of an operator's request (`reason`, `by`, ...): a string with more
 * than blanks, or `undefined` when left out and not `required`.
 * @throws {@link InvalidArgumentError} naming `options.<key>`.
 */
export function optionText(o: Readonly<Record<string, unknown>>, key: string, required: boolean): string | undefined {
  const value = o[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidArgumentError({ path: `options.${key}`, expected: 'a non-empty string', got: value });
  }
  return value;
}

function record(value: unknown, path: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError({ path, expected, got: value });
  return value as Record<string, unknown>;
}

function fn<F>(value: unknown, path: string): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new InvalidArgumentError({ path, expected: 'a function', got: value });
  return value as F;
}

function flag(value: unknown, path: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new InvalidArgumentError({ path, expected: 'true or false', got: value });
}

function isJournal(value: unknown): value is Journal {
  if (typeof value !== 'object' || value === null) return false;
  const j = value as Record<string, unknown>;
  return ['append', 'read', 'streams', 'close'].every((m) => typeof j[m] === 'function');
}
