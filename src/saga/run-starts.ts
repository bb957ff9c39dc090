/**
 * Starting runs for the engine: the `started` event, the run's first append (which doubles
 * as the idempotent-start check), and the return of an existing run when the id is taken.
 * Simultaneous starts of one id share one attempt.
 *
 * @module
 */
import { isRewindError } from '../errors.js';
import type { JsonValue } from '../internal/json.js';
import type { Journal } from '../store/index.js';
import type { SagaDefinition } from './definition.js';
import { RunConflictError } from './errors.js';
import { SAGA_JOURNAL_FORMAT, type SagaEvent } from './events.js';
import { header, runStream } from './quarantine.js';
import { reduce } from './reduce.js';
import { RunExecutor, type ExecutorHost } from './run-executor.js';
import { RunHandle, type RunSource } from './run-handle.js';
import { isEnded } from './run-outcome.js';
import { RunTrace } from './run-trace.js';
import type { UntrustedRuns } from './untrusted-runs.js';
import type { SagaWorker } from './worker/saga-worker.js';

/** @internal What starting runs needs of its engine. */
export interface StartHost {
  readonly journal: Journal;
  readonly executors: ExecutorHost;
  /** The runs this engine drives, by id: a started run joins them. */
  readonly runs: Map<string, RunExecutor>;
  readonly untrusted: UntrustedRuns;
  readonly worker: SagaWorker | undefined;
  /** What the handles returned ask. */
  readonly source: RunSource;
}

/** @internal The starts in flight, by run id, and how a start goes. */
export class RunStarts {
  readonly #host: StartHost;
  readonly #starting = new Map<string, Promise<RunHandle>>();

  constructor(host: StartHost) {
    this.#host = host;
  }

  /**
   * Starts run `runId` of `definition` (checked and registered by the caller), or returns the
   * existing run of that id.
   *
   * @throws {@link RunConflictError} when the id belongs to a run of another saga.
   * @throws the journal's errors.
   */
  async start(definition: SagaDefinition, runId: string, input: JsonValue, deadline: number | undefined): Promise<RunHandle> {
    const pending = this.#starting.get(runId);
    if (pending !== undefined) {
      await pending;
      return this.#existing(definition, runId);
    }
    const starting = this.#create(definition, runId, input, deadline);
    this.#starting.set(runId, starting);
    try {
      return await starting;
    } finally {
      this.#starting.delete(runId);
    }
  }

  /** Settles when the start of `runId` in flight, if any, has (whether or not it succeeded). */
  async settled(runId: string): Promise<void> {
    await this.#starting.get(runId)?.catch(() => undefined);
  }

  /** Settles when every start in flight has. */
  async allSettled(): Promise<void> {
    await Promise.allSettled(this.#starting.values());
  }

  async #create(definition: SagaDefinition, runId: string, input: JsonValue, deadline: number | undefined): Promise<RunHandle> {
    const { runs, untrusted, worker, source } = this.#host;
    if (runs.has(runId) || untrusted.get(runId) !== undefined) return this.#existing(definition, runId);
    const trace = RunTrace.start({ runId, saga: definition.name, version: definition.version });
    const event: SagaEvent = {
      type: 'started', format: SAGA_JOURNAL_FORMAT, saga: definition.name, version: definition.version, input,
      ...(deadline === undefined ? {} : { deadline }),
      ...(trace.traceparent === undefined ? {} : { trace: trace.traceparent }),
    };
    if (worker !== undefined && worker.room() <= 0) {
      const opened = await worker.openForAny(runId, event).finally(() => trace.stopped('interrupted'));
      return opened ? new RunHandle(source, runId, true) : this.#existing(definition, runId);
    }
    // `started` is written by the run's first append, with its first calls' `*-started`;
    // that append expects an empty stream, so a taken id shows as its conflict.
    const opened = worker?.opening();
    const executor = new RunExecutor(this.#host.executors, reduce(runId, [{ seq: 1, at: Date.now(), event }]), definition, trace, event);
    executor.start();
    try {
      await executor.opened;
    } catch (error) {
      const existing = isRewindError(error, 'JOURNAL_CONFLICT');
      trace.stopped(existing ? 'existing' : 'failed', existing ? undefined : error);
      if (existing) return this.#existing(definition, runId);
      throw error;
    } finally {
      opened?.();
    }
    // A close that began meanwhile stops it with the others: close waits for starts first.
    if (!isEnded(executor.state) && worker?.holds(runId) !== false) runs.set(runId, executor);
    return new RunHandle(source, runId, true);
  }

  async #existing(definition: SagaDefinition, runId: string): Promise<RunHandle> {
    const { runs, untrusted, journal, source } = this.#host;
    await untrusted.settled(runId);
    const saga = runs.get(runId)?.state.saga ?? untrusted.get(runId)?.outcome.saga
      ?? header(await journal.read(runStream(runId), { limit: 1 })).saga;
    if (saga !== definition.name) throw new RunConflictError({ runId, saga: definition.name, existingSaga: saga });
    return new RunHandle(source, runId, false);
  }
}
