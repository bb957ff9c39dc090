/**
 * Who hears of what happens to runs: the callers of `result()` waiting for a run to settle,
 * and the engine's listeners (`onCompleted`, `onCompensated`, `onStuck`, `onError`).
 *
 * @module
 */
import { EventSource } from '../internal/event.js';
import type { EngineFault } from './engine-types.js';
import type { RunCompensated, RunCompleted, RunOutcome, RunStuck } from './run-outcome.js';
import { RunWaiters } from './run-waiters.js';

/** @internal The waiters and listeners of one engine. */
export class RunReports {
  readonly waiters = new RunWaiters();
  readonly stuck = new EventSource<RunStuck>();
  readonly completed = new EventSource<RunCompleted>();
  readonly compensated = new EventSource<RunCompensated>();
  readonly faults = new EventSource<EngineFault>();

  /** Run `runId` reached `outcome`: its waiters get it, and the listeners of a settled outcome hear of it. */
  settled(runId: string, outcome: RunOutcome): void {
    this.waiters.resolve(runId, outcome);
    if (outcome.status === 'completed') this.completed.emit(outcome);
    else if (outcome.status === 'compensated') this.compensated.emit(outcome);
    else if (outcome.status === 'stuck') this.stuck.emit(outcome);
  }

  /** The engine stopped run `runId` because of `error`: its waiters reject, and `onError` listeners hear of it. */
  fault(runId: string, error: unknown): void {
    const reason = error instanceof Error ? error : new Error(`The engine stopped run "${runId}": ${String(error)}`);
    this.waiters.reject(runId, reason);
    // Never silent: without a listener the fault goes where the store's warnings go.
    if (this.faults.hasListeners) this.faults.emit({ runId, error });
    else process.emitWarning(`Saga run "${runId}" stopped: ${reason.message}`, { type: 'RewindWarning', code: 'REWIND_SAGA_RUN_FAULT' });
  }
}
