/**
 * An operator's requests on a run (cancel, resolve, revert), for the engine: checked against
 * the run's state, then appended by the executor driving the run here, by one adopted for
 * it, or (a run another worker holds) straight to its journal.
 *
 * @module
 */
import type { SagaDefinition } from './definition.js';
import { RunStatusError } from './errors.js';
import type { SagaEvent } from './events.js';
import type { SagaRegistry } from './registry.js';
import type { RunExecutor } from './run-executor.js';
import { isEnded } from './run-outcome.js';
import { assertRevertable, definitionOf } from './revert.js';
import type { RunState } from './state.js';
import type { UntrustedRuns } from './untrusted-runs.js';
import type { SagaWorker } from './worker/saga-worker.js';

/** @internal What requests need of their engine. */
export interface RequestHost {
  readonly registry: SagaRegistry;
  /** The runs this engine drives, by id. */
  readonly runs: ReadonlyMap<string, RunExecutor>;
  readonly untrusted: UntrustedRuns;
  readonly worker: SagaWorker | undefined;
  /** @throws `EngineClosedError` once the engine is closing. */
  assertOpen(operation: string): void;
  /** Waits until a start or a move to stuck of the run can no longer change what a request sees. */
  quiet(runId: string): Promise<void>;
  /** The run's state from its journal; @throws `RunNotFoundError`, `SagaJournalInconsistentError`. */
  load(runId: string, operation: string): Promise<RunState>;
  /** Drives the run here from `state`, on `definition` (its registered one when left out). */
  adopt(state: RunState, definition?: SagaDefinition): RunExecutor;
}

/** @internal Sends requests to runs; see the module documentation. */
export class RunRequests {
  readonly #host: RequestHost;

  constructor(host: RequestHost) {
    this.#host = host;
  }

  /**
   * Appends `event` (a cancel request or a resolution) to run `runId`, which must not have
   * ended; resolves with the state after it.
   *
   * @throws the errors `engine.cancel` and `engine.resolve` document.
   */
  async send(runId: string, event: SagaEvent, operation: string): Promise<RunState> {
    const host = this.#host;
    host.assertOpen(`${operation} a run`);
    await host.quiet(runId);
    const untrusted = host.untrusted.get(runId);
    if (untrusted !== undefined) throw untrusted.error;
    let executor = host.runs.get(runId);
    if (executor === undefined) {
      const state = await host.load(runId, operation);
      if (isEnded(state)) throw new RunStatusError({ runId, operation, status: state.status, reason: 'the run has ended' });
      host.assertOpen(`${operation} a run`);
      if (host.worker !== undefined && !host.runs.has(runId)) return host.worker.request(runId, event, operation);
      executor = host.runs.get(runId) ?? host.adopt(state);
    }
    return executor.request(event, operation);
  }

  /**
   * Appends `event` (`revert-requested`) to completed run `runId`, whose saga version must be
   * registered; resolves with the state after it.
   *
   * @throws the errors `engine.revert` documents.
   */
  async revert(runId: string, event: SagaEvent): Promise<RunState> {
    const host = this.#host;
    host.assertOpen('revert a run');
    await host.quiet(runId);
    const untrusted = host.untrusted.get(runId);
    if (untrusted !== undefined) throw untrusted.error;
    const state = host.runs.get(runId)?.state ?? (await host.load(runId, 'revert'));
    assertRevertable(state);
    const definition = definitionOf(state, host.registry);
    host.assertOpen('revert a run');
    if (host.worker !== undefined && !host.runs.has(runId)) return host.worker.request(runId, event, 'revert');
    return (host.runs.get(runId) ?? host.adopt(state, definition)).request(event, 'revert');
  }
}
