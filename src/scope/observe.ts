import { EventSource, type Disposable } from '../internal/event.js';
import type { CanceledError, DeadlineExceededError, LeakedTask } from './errors.js';

/** Reported when a canceled scope's last task settles (or is given up on as leaked). */
export interface CancelLatencyEvent {
  /** Path of the scope whose tasks settled. */
  readonly scope: string;
  /**
   * The cancellation reason. Every scope canceled by one event shares the instance, so the
   * time until the last task of a whole tree settled is the largest latency per reason.
   */
  readonly reason: CanceledError | DeadlineExceededError;
  /** Milliseconds from the cancellation to the last task settling. */
  readonly latencyMs: number;
  /** Tasks that were running when the scope was canceled, or started after. */
  readonly tasks: number;
  /** Of those, how many were given up on as leaked. */
  readonly leaked: number;
}

/** Reported when a scope closes with tasks still running. */
export interface TaskLeakEvent {
  readonly scope: string;
  readonly tasks: readonly LeakedTask[];
}

const cancelLatency = new EventSource<CancelLatencyEvent>();
const taskLeak = new EventSource<TaskLeakEvent>();

/**
 * Subscribes to cancel latency: how long each canceled scope's tasks took to settle after
 * `cancel()`. The otel layer exports it as a histogram; services can alert on it.
 *
 * @returns a handle whose `dispose()` unsubscribes.
 */
export function onCancelLatency(listener: (event: CancelLatencyEvent) => void): Disposable {
  return cancelLatency.subscribe(listener);
}

/**
 * Subscribes to task leaks: tasks still running when their scope closed, with the name
 * and the stack where each was started. While nobody subscribes, leaks are reported as a
 * process warning (`RewindTaskLeakWarning`) so they are never silent.
 *
 * @returns a handle whose `dispose()` unsubscribes.
 */
export function onTaskLeak(listener: (event: TaskLeakEvent) => void): Disposable {
  return taskLeak.subscribe(listener);
}

/** @internal */
export function emitCancelLatency(event: CancelLatencyEvent): void {
  if (cancelLatency.hasListeners) cancelLatency.emit(event);
}

/** @internal */
export function emitTaskLeak(event: TaskLeakEvent, message: string): void {
  if (taskLeak.hasListeners) taskLeak.emit(event);
  else process.emitWarning(message, 'RewindTaskLeakWarning');
}

/** @internal Whether anyone listens for cancel latency (skip the clock read otherwise). */
export function wantsCancelLatency(): boolean {
  return cancelLatency.hasListeners;
}
