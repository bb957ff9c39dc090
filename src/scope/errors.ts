import { RewindError, isRewindError } from '../errors.js';

/** Details of a {@link CanceledError}. */
export interface CanceledDetails {
  /** Path of the scope where the cancellation began, e.g. `root/request/charge`. */
  readonly scope: string;
  /** Why: the caller's own reason (kept as `cause`), or a failed task's error. */
  readonly cause?: unknown;
  /** Set when a task failure started the cancellation (errgroup semantics). */
  readonly task?: string | undefined;
}

function describeCause(cause: unknown): string {
  if (cause === undefined) return '';
  if (cause instanceof Error) return `: ${cause.message}`;
  if (typeof cause === 'string') return `: ${cause}`;
  try {
    return `: ${JSON.stringify(cause) ?? typeof cause}`;
  } catch {
    return `: ${Object.prototype.toString.call(cause)}`;
  }
}

/**
 * A scope was canceled on purpose: by `scope.cancel(reason)`, by its parent, by an adopted
 * signal that aborted, or because one of its tasks failed.
 *
 * Every scope canceled by the same event sees the same instance as `signal.reason`; its
 * `scope` names the scope where the cancellation began and `cause` keeps the caller's own
 * reason untouched.
 */
export class CanceledError extends RewindError {
  override readonly name = 'CanceledError';
  readonly code = 'CANCELED' as const;
  /** Path of the scope where the cancellation began. */
  readonly scope: string;
  /** Name of the task whose failure started the cancellation, if one did. */
  readonly task: string | undefined;

  constructor(details: CanceledDetails) {
    const why = details.task === undefined
      ? describeCause(details.cause)
      : `: task "${details.task}" failed${describeCause(details.cause)}`;
    super(`Scope "${details.scope}" was canceled${why}.`, { scope: details.scope, task: details.task }, details.cause);
    this.scope = details.scope;
    this.task = details.task;
  }
}

/** Details of a {@link DeadlineExceededError}. */
export interface DeadlineExceededDetails {
  /** Path of the scope whose timeout or deadline passed. */
  readonly scope: string;
  /** The deadline that passed. */
  readonly deadline: Date;
  /** The timeout the deadline came from, when it was given as one. */
  readonly timeoutMs?: number | undefined;
  /** The foreign reason this was derived from (for example a `TimeoutError` DOMException). */
  readonly cause?: unknown;
}

/**
 * A scope's timeout or deadline passed (its own or, through `scope`, an ancestor's).
 */
export class DeadlineExceededError extends RewindError {
  override readonly name = 'DeadlineExceededError';
  readonly code = 'DEADLINE_EXCEEDED' as const;
  /** Path of the scope whose deadline passed. */
  readonly scope: string;
  /** The deadline that passed. */
  readonly deadline: Date;
  /** The timeout the deadline came from, if any. */
  readonly timeoutMs: number | undefined;

  constructor(details: DeadlineExceededDetails) {
    const timeout = details.timeoutMs === undefined ? '' : ` (timeout ${details.timeoutMs} ms)`;
    super(
      `Scope "${details.scope}" passed its deadline ${details.deadline.toISOString()}${timeout}.`,
      { scope: details.scope, deadline: details.deadline.toISOString(), timeoutMs: details.timeoutMs },
      details.cause,
    );
    this.scope = details.scope;
    this.deadline = details.deadline;
    this.timeoutMs = details.timeoutMs;
  }
}

/** Details of a {@link ScopeClosedError}. */
export interface ScopeClosedDetails {
  readonly scope: string;
  /** What was attempted: `go`, `defer` or `child`. */
  readonly operation: string;
}

/** Work was started on a scope that has already closed. */
export class ScopeClosedError extends RewindError {
  override readonly name = 'ScopeClosedError';
  readonly code = 'SCOPE_CLOSED' as const;
  readonly scope: string;
  readonly operation: string;

  constructor(details: ScopeClosedDetails) {
    super(
      `Cannot ${details.operation} on scope "${details.scope}": it is closed. Start the work before the scope closes, or on a longer-lived scope.`,
      { scope: details.scope, operation: details.operation },
    );
    this.scope = details.scope;
    this.operation = details.operation;
  }
}

/** A task that was still running when its scope closed. */
export interface LeakedTask {
  /** The task's name (`go(fn, { name })`, or the function's name). */
  readonly name: string;
  /** The stack where `go` was called. */
  readonly stack: string;
}

/** Details of a {@link TaskLeakError}. */
export interface TaskLeakDetails {
  readonly scope: string;
  readonly tasks: readonly LeakedTask[];
  /** How long the tasks were given to settle after the scope was canceled. */
  readonly leakTimeoutMs: number;
}

/** The first frame of a captured stack that is not Rewind's own: where the user started it. */
export function startedAt(stack: string): string {
  const frames = stack.split('\n').slice(1).map((line) => line.trim().replace(/^at /, ''));
  return frames[0] ?? 'unknown';
}

/**
 * Tasks were still running when their scope closed: they ignored the scope's signal for
 * longer than the leak timeout after it was canceled. Raised by `close()` in strict scopes;
 * otherwise reported to {@link onTaskLeak} subscribers (or as a process warning).
 */
export class TaskLeakError extends RewindError {
  override readonly name = 'TaskLeakError';
  readonly code = 'TASK_LEAK' as const;
  readonly scope: string;
  readonly tasks: readonly LeakedTask[];

  constructor(details: TaskLeakDetails) {
    const list = details.tasks.map((t) => `"${t.name}" (started at ${startedAt(t.stack)})`).join(', ');
    super(
      `Scope "${details.scope}" closed with ${details.tasks.length} task(s) still running ${details.leakTimeoutMs} ms after it was canceled: ${list}. Make each task stop when scope.signal aborts.`,
      { scope: details.scope, tasks: details.tasks.map((t) => t.name), leakTimeoutMs: details.leakTimeoutMs },
    );
    this.scope = details.scope;
    this.tasks = details.tasks;
  }
}

/**
 * Tells whether `error` means "stopped because a scope was canceled or timed out": a
 * {@link CanceledError} or {@link DeadlineExceededError}, or an error whose direct `cause`
 * is one (as when a driver wraps the abort reason).
 */
export function isCancellation(error: unknown): error is CanceledError | DeadlineExceededError {
  if (isRewindError(error, 'CANCELED') || isRewindError(error, 'DEADLINE_EXCEEDED')) return true;
  if (typeof error === 'object' && error !== null && 'cause' in error) {
    const cause = (error as { cause?: unknown }).cause;
    return isRewindError(cause, 'CANCELED') || isRewindError(cause, 'DEADLINE_EXCEEDED');
  }
  return false;
}

/**
 * @internal The typed reason for canceling scope `path`: a Rewind cancellation error is
 * used as is, a `TimeoutError` becomes a {@link DeadlineExceededError}, anything else the
 * `cause` of a {@link CanceledError}.
 */
export function toCancelReason(path: string, reason: unknown): CanceledError | DeadlineExceededError {
  if (isRewindError(reason, 'CANCELED') || isRewindError(reason, 'DEADLINE_EXCEEDED')) {
    return reason as unknown as CanceledError | DeadlineExceededError;
  }
  if (reason instanceof DOMException && reason.name === 'TimeoutError') {
    return new DeadlineExceededError({ scope: path, deadline: new Date(), cause: reason });
  }
  return new CanceledError({ scope: path, cause: reason });
}
