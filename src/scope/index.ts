/**
 * Cancellation trees on `AbortSignal`: cancel, timeout, deadline, LIFO cleanup and task
 * groups, after Go's `context` and errgroup.
 *
 * @example
 * ```ts
 * import { Scope, sleep } from 'rewind/scope';
 * const root = Scope.root();
 * const prices = await root.run(async (req) => {
 *   req.defer(() => console.log('request done'));
 *   return fetch('http://localhost:8080/prices', { signal: req.signal });
 * }, { timeout: '2s' });
 * ```
 *
 * @module
 */

/** Scopes and their options. */
export { Scope } from './scope.js';
export type { ScopeOptions, Task, TaskOptions } from './options.js';

/** Why a scope stopped, and the guards to tell. */
export {
  CanceledError,
  DeadlineExceededError,
  ScopeClosedError,
  TaskLeakError,
  isCancellation,
} from './errors.js';
export type {
  CanceledDetails,
  DeadlineExceededDetails,
  ScopeClosedDetails,
  TaskLeakDetails,
  LeakedTask,
} from './errors.js';

/** Observability: cancel latency and task leaks. */
export { onCancelLatency, onTaskLeak } from './observe.js';
export type { CancelLatencyEvent, TaskLeakEvent } from './observe.js';

/** Cancel-aware resources. */
export { sleep } from './sleep.js';
export type { SleepOptions } from './sleep.js';
export { queryWithSignal } from './pg-query.js';
export type { PgCancelableClient } from './pg-query.js';

export type { Duration } from '../internal/duration.js';
export type { Disposable } from '../internal/event.js';
