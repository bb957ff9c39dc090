import { toEpochMillis, toMillis, type Duration } from '../internal/duration.js';

/** Options for a child scope (`scope.child`, `scope.run`, `scope.shield`). */
export interface ScopeOptions {
  /**
   * A name used in error messages, leak reports and the scope's `path`.
   * @default 'scope' ('root' for roots)
   */
  readonly name?: string | undefined;
  /** Cancel the scope with a {@link DeadlineExceededError} this long after it is created. */
  readonly timeout?: Duration | undefined;
  /** Cancel the scope with a {@link DeadlineExceededError} at this time (Date or epoch ms). */
  readonly deadline?: Date | number | undefined;
  /**
   * A shielded scope is not canceled when its parent is, and does not inherit the parent's
   * deadline; it is still closed (awaited) with its parent. Compensations and cleanups that
   * must finish run in one, usually with their own `timeout`.
   * @default false
   */
  readonly shielded?: boolean | undefined;
  /**
   * How long tasks of a canceled scope may take to settle before `close()` stops waiting
   * and reports them as leaked. Inherited by descendants.
   * @default 5000 ms
   */
  readonly leakTimeout?: Duration | undefined;
  /**
   * In a strict scope a leak makes `close()` reject with {@link TaskLeakError} instead of
   * only being reported. Inherited by descendants.
   * @default false
   */
  readonly strict?: boolean | undefined;
}

/**
 * A task started with `scope.go`. Not a promise itself, so that starting a task and
 * leaving its outcome to `wait`/`run`/`close` (errgroup style) reads as intended.
 */
export interface Task<T> {
  /** The task's name, as shown in failure reasons and leak reports. */
  readonly name: string;
  /**
   * Settles with the task. An unobserved rejection is not reported as unhandled: the
   * scope's `wait`, `run` or `close` reports the first failure.
   */
  readonly result: Promise<T>;
}

/** Options for `scope.go`. */
export interface TaskOptions {
  /** The name shown in leak reports and failure reasons. @default the function's name, or 'task' */
  readonly name?: string | undefined;
}

/** @internal Settings a scope inherits from its parent unless it overrides them. */
export interface Config {
  readonly leakTimeoutMs: number;
  readonly strict: boolean;
}

/** @internal */
export const DEFAULT_CONFIG: Config = Object.freeze({ leakTimeoutMs: 5000, strict: false });

/** @internal Inherited settings, overridden where `options` says so; validated. */
export function resolveConfig(inherited: Config, options: ScopeOptions): Config {
  if (options.leakTimeout === undefined && options.strict === undefined) return inherited;
  return Object.freeze({
    leakTimeoutMs: options.leakTimeout === undefined ? inherited.leakTimeoutMs : toMillis(options.leakTimeout, 'scope.leakTimeout'),
    strict: options.strict ?? inherited.strict,
  });
}

/** @internal The scope's own deadline (epoch ms) from its timeout and deadline options; validated. */
export function ownDeadline(options: ScopeOptions): { at: number; timeoutMs: number | undefined } | undefined {
  const timeoutMs = options.timeout === undefined ? undefined : toMillis(options.timeout, 'scope.timeout');
  const deadline = options.deadline === undefined ? undefined : toEpochMillis(options.deadline, 'scope.deadline');
  if (timeoutMs === undefined && deadline === undefined) return undefined;
  const fromTimeout = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  const at = Math.min(fromTimeout, deadline ?? Infinity);
  return { at, timeoutMs: at === fromTimeout ? timeoutMs : undefined };
}
