/**
 * The options of an engine that runs as one of many workers on a store with coordination
 * (PostgreSQL), and of the engine's retries of a store that is briefly unavailable; their
 * validation into the resolved form the worker reads. Bad options are refused with an
 * `InvalidArgumentError` naming the option, before anything is opened or written.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { InvalidArgumentError } from '../../errors.js';
import { toMillis, type Duration } from '../../internal/duration.js';
import { isStorableText, STORABLE_TEXT } from '../../store/storable-text.js';

/**
 * How an engine takes part in a pool of workers sharing one store (`openEngine({ worker })`).
 * Only for stores with coordination (PostgreSQL); on other stores one engine owns every run.
 *
 * A worker holds each run it drives with a lease, renewed every third of `leaseTtl`. When a
 * worker dies, its runs are taken over by another once their leases lapse; when it closes,
 * it releases them at once.
 */
export interface WorkerOptions {
  /**
   * This worker's id, unique among the workers of the store: leases name it. A restarted
   * process should take a new one (the default does).
   * @default `<hostname>:<pid>:<random>`
   */
  readonly id?: string | undefined;
  /**
   * How long a lease lasts without renewal: a dead worker's runs are taken over this long
   * after its last renewal. Shorter means faster takeover and more renewals; a worker that
   * cannot renew for this long (paused, cut off) stops driving its runs. At least 100 ms.
   * @default '15s'
   */
  readonly leaseTtl?: Duration | undefined;
  /**
   * The most runs this worker drives at once (started here or claimed). A start beyond it
   * writes the run as work for any worker instead of driving it here. `0` makes a client:
   * it starts runs and waits for their results, and drives none.
   * @default 100
   */
  readonly maxRuns?: number | undefined;
  /**
   * How often a worker with room looks for work by itself: runs whose lease lapsed (their
   * worker died) and wake-ups that came due. New work and released runs wake it at once
   * through the store's notifications; polling is the fallback. Also how often `result()`
   * reads the journal of a run another worker drives. At least 10 ms.
   * @default '1s'
   */
  readonly pollInterval?: Duration | undefined;
  /**
   * The most transactional calls (steps or compensations) this worker runs at once. Each
   * holds a connection of the store's pool from its start until its run's next append
   * commits it; keep it well below the pool's size (10 for a store opened from a URL), so
   * that appends, claims and lease renewals still find connections. Calls beyond it wait
   * for a transaction to end. An integer >= 1.
   * @default 4
   */
  readonly maxTransactions?: number | undefined;
}

/**
 * How the engine retries a store call that failed with a retryable `StoreUnavailableError`
 * (a dropped connection, a database restart, a lock held elsewhere): with exponential
 * backoff from `initialDelay` to `maxDelay`, until `deadline` has passed since the first
 * failure. Past it the error stands: the run stops in this engine and `onError` reports it.
 */
export interface StoreRetryOptions {
  /**
   * How long to keep retrying one call.
   * @default '30s'
   */
  readonly deadline?: Duration | undefined;
  /**
   * The wait before the first retry.
   * @default '50ms'
   */
  readonly initialDelay?: Duration | undefined;
  /**
   * The longest wait between two retries; at least `initialDelay`.
   * @default '2s'
   */
  readonly maxDelay?: Duration | undefined;
}

/** @internal {@link WorkerOptions} after validation. */
export interface ResolvedWorkerOptions {
  readonly id: string;
  readonly leaseTtlMs: number;
  readonly maxRuns: number;
  readonly pollIntervalMs: number;
  readonly maxTransactions: number;
}

/** @internal {@link StoreRetryOptions} after validation; `false`: no retries. */
export type ResolvedStoreRetry =
  | { readonly deadlineMs: number; readonly initialDelayMs: number; readonly maxDelayMs: number }
  | false;

const DEFAULT_LEASE_TTL_MS = 15_000;
const DEFAULT_MAX_RUNS = 100;
const DEFAULT_POLL_INTERVAL_MS = 1_000;
const DEFAULT_MAX_TRANSACTIONS = 4;

/** A worker id for this process: host, pid and a random part, so a restarted process never reuses one. */
export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * @internal An id the journal stores (a run's, a worker's): `value`, or `fallback()` when it
 * is left out. `null` is refused, not taken for "left out".
 * @throws {@link InvalidArgumentError} at `path` unless it is a non-empty storable string of at most 200 characters.
 */
export function resolveId(value: unknown, path: string, fallback: () => string): string {
  const id = value === undefined ? fallback() : value;
  if (typeof id !== 'string' || id.trim() === '' || id.length > 200 || !isStorableText(id)) {
    throw new InvalidArgumentError({ path, expected: `a non-empty ${STORABLE_TEXT} of at most 200 characters`, got: id });
  }
  return id;
}

/**
 * @internal Validates `options.worker` of `openEngine`; `undefined` when it is left out.
 * @throws {@link InvalidArgumentError} naming the bad option.
 */
export function resolveWorkerOptions(value: unknown): ResolvedWorkerOptions | undefined {
  if (value === undefined) return undefined;
  const o = record(value, 'options.worker', 'worker options { id?, leaseTtl?, maxRuns?, pollInterval?, maxTransactions? }');
  refuseUnknown(o, ['id', 'leaseTtl', 'maxRuns', 'pollInterval', 'maxTransactions'], 'options.worker');
  // Written as the owner of leases.
  const id = resolveId(o['id'], 'options.worker.id', defaultWorkerId);
  const leaseTtlMs = atLeast(o['leaseTtl'], DEFAULT_LEASE_TTL_MS, 100, 'options.worker.leaseTtl');
  const pollIntervalMs = atLeast(o['pollInterval'], DEFAULT_POLL_INTERVAL_MS, 10, 'options.worker.pollInterval');
  const maxRuns = o['maxRuns'] ?? DEFAULT_MAX_RUNS;
  if (typeof maxRuns !== 'number' || !Number.isInteger(maxRuns) || maxRuns < 0 || maxRuns > 100_000) {
    throw new InvalidArgumentError({ path: 'options.worker.maxRuns', expected: 'an integer from 0 to 100000', got: maxRuns });
  }
  const maxTransactions = o['maxTransactions'] ?? DEFAULT_MAX_TRANSACTIONS;
  if (typeof maxTransactions !== 'number' || !Number.isInteger(maxTransactions) || maxTransactions < 1) {
    throw new InvalidArgumentError({ path: 'options.worker.maxTransactions', expected: 'an integer >= 1', got: maxTransactions });
  }
  return Object.freeze({ id, leaseTtlMs, maxRuns, pollIntervalMs, maxTransactions });
}

const RETRY_DEFAULTS = Object.freeze({ deadlineMs: 30_000, initialDelayMs: 50, maxDelayMs: 2_000 });

/** The refusal of `worker` options on a store without coordination (one process owns its runs). */
export function workerOptionsRefused(url: string, given: unknown): InvalidArgumentError {
  return new InvalidArgumentError({
    path: 'options.worker',
    expected: `left out: ${url} has no coordination (workers share a multi-process store such as PostgreSQL)`,
    got: given,
  });
}

/** The store retries when `storeRetry` is left out: 50 ms to 2 s apart, for up to 30 s. */
export const DEFAULT_STORE_RETRY: ResolvedStoreRetry = RETRY_DEFAULTS;

/**
 * @internal Validates `options.storeRetry` of `openEngine`.
 * @throws {@link InvalidArgumentError} naming the bad option.
 */
export function resolveStoreRetry(value: unknown): ResolvedStoreRetry {
  if (value === false) return false;
  if (value === undefined) return DEFAULT_STORE_RETRY;
  const path = 'options.storeRetry';
  const o = record(value, path, 'false or store retry options { deadline?, initialDelay?, maxDelay? }');
  refuseUnknown(o, ['deadline', 'initialDelay', 'maxDelay'], path);
  const deadlineMs = o['deadline'] === undefined ? RETRY_DEFAULTS.deadlineMs : toMillis(o['deadline'], `${path}.deadline`);
  const initialDelayMs = atLeast(o['initialDelay'], RETRY_DEFAULTS.initialDelayMs, 1, `${path}.initialDelay`);
  const maxDelayMs = o['maxDelay'] === undefined ? Math.max(RETRY_DEFAULTS.maxDelayMs, initialDelayMs) : toMillis(o['maxDelay'], `${path}.maxDelay`);
  if (maxDelayMs < initialDelayMs) {
    throw new InvalidArgumentError({ path: `${path}.maxDelay`, expected: `a duration of at least initialDelay (${initialDelayMs} ms)`, got: o['maxDelay'] });
  }
  return Object.freeze({ deadlineMs, initialDelayMs, maxDelayMs });
}

function atLeast(value: unknown, fallback: number, min: number, path: string): number {
  if (value === undefined) return fallback;
  const millis = toMillis(value, path);
  if (millis < min) throw new InvalidArgumentError({ path, expected: `a duration of at least ${min} ms`, got: value });
  return millis;
}

function record(value: unknown, path: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidArgumentError({ path, expected, got: value });
  return value as Record<string, unknown>;
}

function refuseUnknown(o: Record<string, unknown>, known: readonly string[], path: string): void {
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new InvalidArgumentError({ path: `${path}.${key}`, expected: `left out (known options: ${known.join(', ')})`, got: o[key] });
  }
}
