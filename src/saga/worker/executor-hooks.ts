/**
 * What a run's executor tells the worker around each append, on a store shared by several
 * workers: the lease and work entry the append carries, and what to do once it is durable
 * (record a new lease, give the run up while it waits). Structural types only, so that the
 * executor and the worker do not import each other.
 *
 * @module
 */
import type { AppendResult } from '../../store/index.js';
import type { Lease, WorkUpdate } from '../../store/coordination.js';
import type { SagaDefinition } from '../definition.js';
import type { RunState } from '../state.js';

/** @internal The worker's view of a run's executor. */
export interface DrivenRun {
  readonly runId: string;
  /** The run's state after the last durable append. */
  readonly state: RunState;
  /** The definition driving it; `undefined` while its version is not registered here. */
  readonly definition: SagaDefinition | undefined;
  /** Stops driving the run (no new calls, running ones aborted, their outcomes appended). */
  stop(): Promise<void>;
  /** Stops driving the run at once, because of `error`: no more appends; running calls aborted. */
  interrupt(error: unknown): void;
}

/** @internal One append of a run, as its executor is about to make it. */
export interface PlannedAppend {
  /** True for the run's first append (its `started` record). */
  readonly opening: boolean;
  /** The run's state before the append, and after it. */
  readonly before: RunState;
  readonly after: RunState;
  /** The wake-up the append's plan asks for, epoch ms; `undefined`: none, or nothing was planned. */
  readonly wait: number | undefined;
}

/** @internal The hooks an executor calls on a store with coordination. */
export interface ExecutorCoordination {
  /** The `lease` and `work` options of an append. @throws when the run is not held here any more. */
  appendOptions(run: DrivenRun, append: PlannedAppend): { readonly lease?: Lease | undefined; readonly work?: WorkUpdate | undefined };
  /** The append is durable (the executor's state is `append.after`). */
  appended(run: DrivenRun, result: AppendResult, append: PlannedAppend): void;
}
