/**
 * What `engine.start()` returns: a handle on one run, by id. It holds no state of its own:
 * every call asks the engine, so a handle stays valid while the run goes on.
 *
 * @module
 */
import type { AnyOutputs } from './context.js';
import type { ResultOptions } from './engine-options.js';
import type { RunOutcome } from './run-outcome.js';
import type { RunState } from './state.js';

/** @internal What a handle asks its engine. */
export interface RunSource {
  result(runId: string, options?: ResultOptions): Promise<RunOutcome>;
  get(runId: string): Promise<RunState>;
  cancel(runId: string, reason?: string): Promise<RunState>;
}

/**
 * A handle on a saga run: wait for its outcome, read its state, cancel it.
 *
 * @example
 * ```ts
 * const run = await engine.start(placeOrder, input, { id: 'order-42' });
 * const outcome = await run.result({ timeout: '8s' });
 * if (outcome.status === 'completed') console.log(outcome.outputs['create-order']);
 * ```
 */
export class RunHandle<Outputs = AnyOutputs> {
  /** The run's id. */
  readonly runId: string;
  /** True when this `start()` created the run; false when the id existed and its run was returned. */
  readonly created: boolean;
  readonly #source: RunSource;

  /** @internal Use `engine.start()`. */
  constructor(source: RunSource, runId: string, created: boolean) {
    this.#source = source;
    this.runId = runId;
    this.created = created;
  }

  /**
   * Waits until the run settles: `completed` (with every step's output), `compensated`
   * (with why) or `stuck` (with why, until an operator resolves it). Past `timeout` it
   * resolves with the run's current status (`running` or `compensating`) and the run goes on.
   *
   * On a store shared by several workers (PostgreSQL), the run may be driven by another
   * worker, or move to one (this worker closed, lost its lease, or gave a long wait up):
   * then its journal is followed until it shows the run settled, read every
   * `worker.pollInterval` (at most a second apart).
   *
   * @throws {@link EngineClosedError} when the engine closes before the run settles.
   * @throws {@link InvalidArgumentError} when `timeout` is not a duration.
   */
  result(options?: ResultOptions): Promise<RunOutcome<Outputs>> {
    return this.#source.result(this.runId, options) as Promise<RunOutcome<Outputs>>;
  }

  /**
   * The run's state, reduced from its journal: see `engine.get()`.
   *
   * @throws {@link SagaJournalInconsistentError} when the run's journal cannot be trusted.
   */
  get(): Promise<RunState> {
    return this.#source.get(this.runId);
  }

  /**
   * Asks to cancel the run: see `engine.cancel()`.
   *
   * @throws {@link RunStatusError} when the run has ended.
   * @throws {@link EngineClosedError} when the engine is closed.
   */
  cancel(reason?: string): Promise<RunState> {
    return this.#source.cancel(this.runId, reason);
  }
}
