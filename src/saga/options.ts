import { toMillis, type Duration } from '../internal/duration.js';
import { SagaDefinitionError } from './errors.js';

/**
 * How long to wait between attempts: exponential, doubling from `initial` up to `max`.
 * With jitter, each wait is drawn uniformly from `[d / 2, d]` (d the exponential delay),
 * so that the retries of many runs that failed together spread out.
 */
export interface BackoffOptions {
  /**
   * The wait before the first retry.
   * @default '100ms' for steps, '1s' for compensations and confirmations
   */
  readonly initial?: Duration | undefined;
  /**
   * The longest wait; at least `initial`.
   * @default '30s' for steps, '1m' for compensations and confirmations
   */
  readonly max?: Duration | undefined;
  /**
   * Whether to randomise each wait within `[d / 2, d]`.
   * @default true
   */
  readonly jitter?: boolean | undefined;
}

/**
 * How often to try a step's run, compensation or confirmation, and how long to wait in
 * between. Fields left out take the saga's setting, then the default.
 */
export interface RetryOptions {
  /**
   * How many attempts in all, the first included: `1` means no retry. An integer >= 1.
   * @default 3 for steps, 5 for compensations and confirmations
   */
  readonly attempts?: number | undefined;
  /** The waits between attempts. */
  readonly backoff?: BackoffOptions | undefined;
}

/**
 * A retry policy with every field resolved, in the form planned actions carry it (plain
 * JSON) and `nextRetryAt` reads it.
 */
export interface ResolvedRetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** The wait before the first retry, in milliseconds. */
  readonly initialMs: number;
  /** The longest wait, in milliseconds. */
  readonly maxMs: number;
  /** Whether waits are randomised within `[d / 2, d]`. */
  readonly jitter: boolean;
}

/** The default retry policy of a step's run (a TCC step's try): 3 attempts, 100 ms to 30 s apart. */
export const DEFAULT_STEP_RETRY: ResolvedRetryPolicy = Object.freeze({
  attempts: 3,
  initialMs: 100,
  maxMs: 30_000,
  jitter: true,
});

/**
 * The default retry policy of compensations and TCC confirmations: 5 attempts, 1 s to 1 min
 * apart. More patient than a step's, because past it the run is stuck and needs a person.
 */
export const DEFAULT_COMPENSATION_RETRY: ResolvedRetryPolicy = Object.freeze({
  attempts: 5,
  initialMs: 1_000,
  maxMs: 60_000,
  jitter: true,
});

/** Options of `saga(name, options)`. */
export interface SagaOptions {
  /**
   * The definition's version, a positive integer. Recorded in every run's journal; a run
   * is continued only by the definition of the same name and version, so bump it when a
   * change would make old runs mean something else (steps renamed, reordered, removed).
   * @default 1
   */
  readonly version?: number | undefined;
  /** The retry policy of every step's run, unless the step sets its own. */
  readonly retry?: RetryOptions | undefined;
  /** The retry policy of every compensation and confirmation, unless the step sets its own. */
  readonly compensationRetry?: RetryOptions | undefined;
  /** How long one attempt of every compensation and confirmation may take, unless the step sets its own (see the step's `compensationTimeout`). */
  readonly compensationTimeout?: Duration | undefined;
}

/**
 * Resolves `options` over `base`, field by field, refusing invalid values.
 *
 * @throws {@link SagaDefinitionError} naming `path` (e.g. `saga "x" step "y" retry`) and the field.
 */
export function resolveRetryPolicy(
  options: unknown,
  base: ResolvedRetryPolicy,
  saga: string,
  path: string,
): ResolvedRetryPolicy {
  if (options === undefined) return base;
  const retry = expectObject(options, saga, path, 'retry options { attempts?, backoff? }');
  refuseUnknownKeys(retry, ['attempts', 'backoff'], saga, path);
  const attempts = retry['attempts'] ?? base.attempts;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1) {
    throw new SagaDefinitionError({ saga, path: `${path}.attempts`, expected: 'an integer >= 1', got: attempts });
  }
  const backoffPath = `${path}.backoff`;
  const backoff = retry['backoff'] === undefined
    ? {}
    : expectObject(retry['backoff'], saga, backoffPath, 'backoff options { initial?, max?, jitter? }');
  refuseUnknownKeys(backoff, ['initial', 'max', 'jitter'], saga, backoffPath);
  const initialMs = backoff['initial'] === undefined ? base.initialMs : durationMs(backoff['initial'], saga, `${backoffPath}.initial`);
  const maxMs = backoff['max'] === undefined ? base.maxMs : durationMs(backoff['max'], saga, `${backoffPath}.max`);
  if (maxMs < initialMs) {
    throw new SagaDefinitionError({
      saga,
      path: `${backoffPath}.max`,
      expected: `at least backoff.initial (${initialMs} ms)`,
      got: maxMs,
    });
  }
  const jitter = backoff['jitter'] ?? base.jitter;
  if (typeof jitter !== 'boolean') {
    throw new SagaDefinitionError({ saga, path: `${backoffPath}.jitter`, expected: 'a boolean', got: jitter });
  }
  return Object.freeze({ attempts, initialMs, maxMs, jitter });
}

/**
 * Parses a duration option into milliseconds.
 *
 * @throws {@link SagaDefinitionError} naming `path` when the value is not a duration.
 */
export function durationMs(value: unknown, saga: string, path: string): number {
  try {
    return toMillis(value, path);
  } catch {
    throw new SagaDefinitionError({
      saga,
      path,
      expected: 'a duration: milliseconds >= 0 or a string such as "250ms", "2s" or "15m"',
      got: value,
    });
  }
}

/**
 * Checks that `value` is a plain options object and returns it as a record.
 *
 * @throws {@link SagaDefinitionError} naming `path` when it is not.
 */
export function expectObject(value: unknown, saga: string, path: string, expected: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SagaDefinitionError({ saga, path, expected, got: value });
  }
  return value as Record<string, unknown>;
}

/**
 * Refuses option names that are not in `known`, so that a misspelt option (`retries`,
 * `compensation`) fails at definition time instead of being silently ignored.
 *
 * @throws {@link SagaDefinitionError} naming the unknown option.
 */
export function refuseUnknownKeys(options: Record<string, unknown>, known: readonly string[], saga: string, path: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new SagaDefinitionError({ saga, path: `${path} option name`, expected: `one of ${known.join(', ')}`, got: key });
    }
  }
}
