/**
 * The durable saga engine: runs registered sagas on a journal, one stream per run, and
 * resumes every unfinished run when it opens. Recovery is: load the journal, reduce, plan,
 * continue. Nothing else.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import type { Disposable } from '../internal/event.js';
import { assertJson } from '../internal/json.js';
import { Scope } from '../scope/index.js';
import type { Journal } from '../store/index.js';
import { CompensationBreakers } from './circuit.js';
import type { SagaDefinition } from './definition.js';
import type { EngineFault, EngineState, SagaInput, SagaOutputs, UnresumableRun } from './engine-types.js';
import {
  resolveResolution,
  resolveResultTimeout,
  resolveStartOptions,
  type ListOptions,
  type ResolveOptions,
  type ResolvedEngineOptions,
  type ResultOptions,
  type StartOptions,
} from './engine-options.js';
import { EngineClosedError, RunNotFoundError, SagaVersionNotRegisteredError, type SagaJournalInconsistentError } from './errors.js';
import { SagaInspector, loadRun, type RunSummary } from './inspector.js';
import { runsToRecover } from './recovery-scan.js';
import type { SagaRegistry } from './registry.js';
import { RunExecutor, type ExecutorHost } from './run-executor.js';
import type { RunHandle, RunSource } from './run-handle.js';
import { RunReports } from './run-reports.js';
import { RunRequests } from './run-requests.js';
import { RunStarts } from './run-starts.js';
import { RunTrace } from './run-trace.js';
import { assertRevertable, definitionOf, revertEvent, type RevertOptions } from './revert.js';
import { revertPlan, type RevertPlan } from './revert-plan.js';
import { assertVerifiable, resolveVerifyOptions, verifyRun, type VerifyOptions, type VerifyReport } from './verify.js';
import { isEnded, outcomeOf, type RunCompensated, type RunCompleted, type RunOutcome, type RunStuck } from './run-outcome.js';
import { UntrustedRuns } from './untrusted-runs.js';
import type { RunState } from './state.js';
import { RetryingJournal } from './worker/retrying-journal.js';
import { SagaWorker } from './worker/saga-worker.js';
import { assertTransactionsSupported, singleProcessCalls } from './worker/transactions.js';
import { resolveWorkerOptions } from './worker/worker-options.js';

/**
 * A saga engine: starts runs, drives them (steps, retries with durable waits, timeouts,
 * compensation in reverse DAG order, TCC confirm and cancel), and takes an operator's
 * requests. Open one with `openEngine()`; close it with `close()` or `await using`.
 *
 * One engine is the only writer of its journal's runs: every append names the last
 * sequence number the engine saw, so another writer is detected (the run stops and
 * `onError` reports the conflict), never interleaved. On a store with coordination
 * (PostgreSQL), the engine is one of many workers instead: see `worker/saga-worker.ts`.
 */
export class SagaEngine implements RunSource {
  readonly #journal: Journal;
  readonly #ownsJournal: boolean;
  readonly #options: ResolvedEngineOptions;
  readonly #registry: SagaRegistry;
  readonly #inspector: SagaInspector;
  readonly #scope = Scope.root({ name: 'saga-engine' });
  readonly #runs = new Map<string, RunExecutor>();
  readonly #untrusted: UntrustedRuns;
  readonly #starts: RunStarts;
  readonly #requests: RunRequests;
  readonly #reports = new RunReports();
  readonly #background = new Set<Promise<unknown>>();
  readonly #host: ExecutorHost;
  readonly #worker: SagaWorker | undefined;
  #state: EngineState = 'open';
  #recovered = false;
  #closing: Promise<void> | undefined;

  /** @internal Use `openEngine()`. */
  constructor(journal: Journal, ownsJournal: boolean, options: ResolvedEngineOptions, registry: SagaRegistry) {
    // Everything the engine reads and writes rides through a store briefly unavailable.
    const runs = new RetryingJournal(journal, options.storeRetry);
    this.#journal = runs;
    this.#ownsJournal = ownsJournal;
    this.#options = options;
    this.#registry = registry;
    this.#inspector = new SagaInspector(runs);
    this.#untrusted = new UntrustedRuns(runs);
    this.#worker = runs.coordination && new SagaWorker(runs, runs.coordination, options.worker ?? resolveWorkerOptions({})!, options.clock, options.abortGraceMs, {
      adopt: (state) => this.#adopt(state),
      distrust: (runId, error) => this.#distrust(runId, error),
      driven: (runId) => this.#runs.get(runId),
      forget: (runId, run) => this.#runs.get(runId) === run && this.#runs.delete(runId) && this.#reports.waiters.reject(runId, new Error(`Run "${runId}" left this worker.`)),
      isOpen: () => this.#state === 'open',
      registered: (state) => this.#registry.get(state.saga, state.version) !== undefined,
    });
    const worker = this.#worker;
    if (worker !== undefined) for (const settled of [this.#reports.completed, this.#reports.compensated, this.#reports.stuck]) settled.subscribe((run) => worker.settledHere(run));
    this.#host = {
      journal: this.#worker?.journal ?? runs,
      calls: this.#worker?.calls ?? singleProcessCalls(() => journal.url),
      coordination: this.#worker,
      clock: options.clock,
      random: options.random,
      scope: this.#scope,
      graceMs: options.abortGraceMs,
      breakers: new CompensationBreakers(options.breaker),
      settled: (executor) => this.#settled(executor),
      untrusted: (executor, error) => this.#track(this.#distrust(executor.runId, error), executor.runId),
      failed: (executor, error) => this.#fail(executor.runId, error),
    };
    this.#requests = new RunRequests({
      registry,
      runs: this.#runs,
      untrusted: this.#untrusted,
      worker: this.#worker,
      assertOpen: (operation) => this.#assertOpen(operation),
      quiet: (runId) => this.#quiet(runId),
      load: (runId, operation) => this.#load(runId, operation),
      adopt: (state, definition) => this.#adopt(state, definition),
    });
    this.#starts = new RunStarts({ journal: runs, executors: this.#host, runs: this.#runs, untrusted: this.#untrusted, worker: this.#worker, source: this });
  }

  /** Where the engine is in its lifecycle; see {@link EngineState}. */
  get state(): EngineState {
    return this.#state;
  }

  /** The journal the engine writes to (for an inspector or tests; do not append to run streams). */
  get journal(): Journal {
    return this.#journal;
  }

  /** @internal Resumes every unfinished run in the journal; called by `openEngine()`, once (later calls do nothing). */
  async recover(): Promise<void> {
    if (this.#recovered) return;
    this.#recovered = true;
    if (this.#worker !== undefined) return this.#worker.start();
    for await (const found of runsToRecover(this.#journal)) {
      if (found.kind === 'noted') this.#untrusted.remember(found.note);
      else if (found.loaded.error !== undefined) await this.#distrust(found.runId, found.loaded.error);
      else if (!isEnded(found.loaded.state)) this.#adopt(found.loaded.state);
    }
  }

  /**
   * Registers a saga definition, so that runs of it can be started and resumed. Several
   * versions of one saga may be registered; each run continues on the version it started
   * on. Runs of this version found at open, waiting in {@link SagaEngine.unresumable},
   * resume now. Registering the same definition again does nothing.
   *
   * @throws {@link InvalidArgumentError} when it is not a definition, or another definition
   * with the same name and version is registered.
   * @throws {@link EngineClosedError} after `close()`.
   */
  register(definition: SagaDefinition): void {
    this.#assertOpen('register a saga');
    if (!this.#registry.add(definition)) return;
    this.#worker?.versionRegistered(definition.name, definition.version);
    for (const executor of this.#runs.values()) {
      const { saga, version } = executor.state;
      if (executor.definition === undefined && saga === definition.name && version === definition.version) executor.adopt(definition);
    }
  }

  /**
   * Starts a run of `definition` with `input`, or returns the existing run when `options.id`
   * names one (of the same saga; it goes on on its own version and input). The `started`
   * event is durable when this resolves.
   *
   * @throws {@link SagaVersionNotRegisteredError} when the definition is not registered.
   * @throws {@link InvalidArgumentError} when `input` is not JSON or an option is not valid; nothing is written.
   * @throws {@link RunConflictError} when the id belongs to a run of another saga.
   * @throws {@link EngineClosedError} after `close()`.
   */
  async start<D extends SagaDefinition>(definition: D, input: SagaInput<D>, options?: StartOptions): Promise<RunHandle<SagaOutputs<D>>> {
    this.#assertOpen('start a run');
    if (this.#registry.get(definition.name, definition.version) !== definition) {
      throw new SagaVersionNotRegisteredError({ saga: definition.name, version: definition.version, registered: this.#registry.versions(definition.name) });
    }
    assertTransactionsSupported(definition, this.#journal);
    if (input === undefined) throw new InvalidArgumentError({ path: 'input', expected: 'JSON (null for a run without input)', got: input });
    assertJson(input, 'input');
    const { runId, deadline } = resolveStartOptions(options, this.#options.clock(), randomUUID);
    return (await this.#starts.start(definition, runId, input, deadline)) as RunHandle<SagaOutputs<D>>;
  }

  /**
   * Waits for run `runId` to settle; see {@link RunHandle.result}.
   *
   * @throws {@link RunNotFoundError} when no run has this id.
   * @throws {@link EngineClosedError} when the engine is closed or closes while waiting.
   * @throws {@link InvalidArgumentError} when `timeout` is not a duration.
   */
  async result(runId: string, options?: ResultOptions): Promise<RunOutcome> {
    const timeoutMs = resolveResultTimeout(options);
    this.#assertOpen('wait for a result');
    await this.#quiet(runId);
    const untrusted = this.#untrusted.get(runId);
    if (untrusted !== undefined) return untrusted.outcome;
    const executor = this.#runs.get(runId);
    let state = executor?.state;
    try {
      state ??= await this.#load(runId, 'wait for');
    } catch (error) {
      // A journal found untrusted just now has an outcome like any other stuck run.
      const found = this.#untrusted.get(runId);
      if (found === undefined) throw error;
      return found.outcome;
    }
    const current = outcomeOf(state);
    if (this.#worker !== undefined && (current.status === 'running' || current.status === 'compensating')) {
      const local = executor && this.#reports.waiters.wait(runId, timeoutMs, () => outcomeOf(this.#runs.get(runId)?.state ?? executor.state));
      return this.#worker.result(runId, state, local, timeoutMs);
    }
    if (executor === undefined || (current.status !== 'running' && current.status !== 'compensating')) return current;
    return this.#reports.waiters.wait(runId, timeoutMs, () => outcomeOf(this.#runs.get(runId)?.state ?? executor.state));
  }

  /**
   * Asks to cancel run `runId`: appends `cancel-requested` (checked against the run's state
   * first). A run that has not committed compensates: its running steps see their signal
   * abort, then every started step is compensated. A committed run (confirming) finishes;
   * the request is recorded only. Resolves with the state after the request. On PostgreSQL,
   * for a run another worker drives, that worker hears of the request through the store's
   * wake-up and aborts the run's steps there (if the wake-up is lost, at the run's next append).
   *
   * @throws {@link InvalidArgumentError} when `reason` is not a non-empty string (as for revert and resolve).
   * @throws {@link RunNotFoundError} when no run has this id.
   * @throws {@link RunStatusError} when the run has ended.
   * @throws {@link SagaJournalInconsistentError} when the run's journal cannot be trusted.
   * @throws {@link EngineClosedError} after `close()`.
   */
  async cancel(runId: string, reason = 'canceled by request'): Promise<RunState> {
    if (typeof reason !== 'string' || reason.trim() === '') throw new InvalidArgumentError({ path: 'reason', expected: 'a non-empty string', got: reason });
    return this.#requests.send(runId, { type: 'cancel-requested', reason }, 'cancel');
  }

  /**
   * Records an operator's resolution of a stuck run (checked against the run's state
   * first); the run goes on: compensating, confirming, or retrying the stuck step with a
   * fresh retry budget. Resolves with the state after the resolution.
   *
   * @throws {@link InvalidArgumentError} when an option is not valid.
   * @throws {@link RunNotFoundError} when no run has this id.
   * @throws {@link RunStatusError} when the run is not stuck, or stuck on another step or phase.
   * @throws {@link SagaJournalInconsistentError} when the run's journal cannot be trusted.
   * @throws {@link EngineClosedError} after `close()`.
   */
  async resolve(runId: string, options: ResolveOptions): Promise<RunState> {
    const { step, action, reason, by } = resolveResolution(options);
    return this.#requests.send(runId, { type: 'resolved', step, action, reason, ...(by === undefined ? {} : { by }) }, 'resolve');
  }

  /**
   * Reverts completed run `runId` (the business changed its mind): appends `revert-requested`
   * (reason, by), then compensates every step, in reverse DAG order (independent branches
   * concurrently), with the retries, `stuck` and circuit breaker of a failed run; the run ends
   * `compensated`, its `revert` recorded. Its TCC steps were confirmed: their `cancel` is called
   * with the try's output and must undo the confirmed reservation. Resolves with the state after
   * the request; wait for the end with `result()`. After a crash, the compensation resumes when
   * an engine opens (or when a request names the run).
   *
   * @throws {@link InvalidArgumentError} when `reason` or `by` is not a non-empty string.
   * @throws {@link RunNotFoundError} when no run has this id.
   * @throws {@link RunStatusError} when the run is not completed, or was reverted already; nothing is written.
   * @throws {@link SagaVersionNotRegisteredError} when the run's saga version is not registered; nothing is written.
   * @throws {@link SagaJournalInconsistentError} when the run's journal cannot be trusted.
   * @throws {@link EngineClosedError} after `close()`.
   */
  async revert(runId: string, options: RevertOptions): Promise<RunState> {
    return this.#requests.revert(runId, revertEvent(options));
  }

  /**
   * What {@link SagaEngine.revert} would do to run `runId`, without writing anything: see {@link revertPlan}.
   *
   * @throws {@link RunNotFoundError}, {@link RunStatusError}, {@link SagaVersionNotRegisteredError}
   * and {@link SagaJournalInconsistentError} as `revert` does.
   */
  async previewRevert(runId: string): Promise<RevertPlan> {
    this.#assertOpen('preview a revert');
    const state = await this.#inspector.get(runId);
    assertRevertable(state);
    return revertPlan(definitionOf(state, this.#registry), state);
  }

  /**
   * Checks that the effects of compensated run `runId` are gone, with each compensated step's
   * `verify` (e.g. after a revert); see {@link VerifyReport}. Writes nothing.
   *
   * @throws {@link InvalidArgumentError} when an option is not valid.
   * @throws {@link RunNotFoundError} when no run has this id.
   * @throws {@link RunStatusError} when the run is not compensated.
   * @throws {@link SagaVersionNotRegisteredError} when the run's saga version is not registered.
   * @throws {@link SagaJournalInconsistentError} when the run's journal cannot be trusted.
   */
  async verify(runId: string, options?: VerifyOptions): Promise<VerifyReport> {
    const timeoutMs = resolveVerifyOptions(options);
    this.#assertOpen('verify a run');
    const state = await this.#inspector.get(runId);
    assertVerifiable(state);
    return verifyRun(definitionOf(state, this.#registry), state, timeoutMs);
  }

  /**
   * The state of run `runId`, reduced from its journal: status, steps, attempts, errors, timeline.
   *
   * @throws {@link RunNotFoundError} when no run has this id.
   * @throws {@link SagaJournalInconsistentError} when the run's journal cannot be trusted.
   */
  get(runId: string): Promise<RunState> {
    return this.#inspector.get(runId);
  }

  /**
   * Summaries of the runs in the journal, optionally filtered by status or saga.
   *
   * @throws {@link InvalidArgumentError} when a filter is not valid.
   */
  list(options?: ListOptions): Promise<RunSummary[]> {
    return this.#inspector.list(options);
  }

  /**
   * The unfinished runs waiting for their saga version to be registered, in no order. As one
   * of many workers, the runs this worker claimed and handed back for that reason (another
   * worker with the version may be driving them by now).
   */
  unresumable(): UnresumableRun[] {
    const held = [...this.#runs.values()]
      .filter((executor) => executor.definition === undefined)
      .map(({ state }) => ({ runId: state.runId, saga: state.saga, version: state.version, status: state.status }));
    return [...held, ...(this.#worker?.passedOver() ?? [])];
  }

  /** Calls `listener` when a run becomes stuck (a compensation or confirmation failed for good, or its journal cannot be trusted). */
  onStuck(listener: (run: RunStuck) => void): Disposable {
    return this.#reports.stuck.subscribe(listener);
  }

  /** Calls `listener` when a run completes. */
  onCompleted(listener: (run: RunCompleted) => void): Disposable {
    return this.#reports.completed.subscribe(listener);
  }

  /** Calls `listener` when a run has compensated every step it started. */
  onCompensated(listener: (run: RunCompensated) => void): Disposable {
    return this.#reports.compensated.subscribe(listener);
  }

  /**
   * Calls `listener` when the engine cannot go on with a run: the store failed, or another
   * writer appended to the run's journal. The run stops in this engine; reopening resumes it.
   * Without a listener, faults are reported with `process.emitWarning`.
   */
  onError(listener: (fault: EngineFault) => void): Disposable {
    return this.#reports.faults.subscribe(listener);
  }

  /**
   * Closes the engine: no new work; running calls see their signal abort; the outcomes of
   * calls that settle (within `abortGrace`) are appended; waiting `result()` calls reject
   * with {@link EngineClosedError}; the journal is closed if the engine opened it. Calling
   * it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Same as {@link SagaEngine.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    this.#state = 'closing';
    await this.#starts.allSettled();
    await Promise.all([...this.#runs.values()].map((executor) => executor.stop()));
    this.#runs.clear();
    await Promise.allSettled(this.#background);
    this.#reports.waiters.rejectAll((runId) => new EngineClosedError({ operation: `wait for the result of run "${runId}"` }));
    await this.#worker?.close((runId) => new EngineClosedError({ operation: `wait for the result of run "${runId}"` }));
    await this.#scope.close();
    if (this.#ownsJournal) await this.#journal.close();
    this.#state = 'closed';
  }

  #adopt(state: RunState, definition = this.#registry.get(state.saga, state.version), trace = RunTrace.resume(state)): RunExecutor {
    const executor = new RunExecutor(this.#host, state, definition, trace);
    this.#runs.set(state.runId, executor);
    executor.start();
    return executor;
  }

  async #load(runId: string, operation: string): Promise<RunState> {
    const loaded = await loadRun(this.#journal, runId);
    if (loaded === undefined) throw new RunNotFoundError({ runId, operation });
    if (loaded.error !== undefined) {
      await this.#distrust(runId, loaded.error);
      throw loaded.error;
    }
    return loaded.state;
  }

  #settled(executor: RunExecutor): void {
    const outcome = outcomeOf(executor.state);
    if (isEnded(executor.state)) this.#runs.delete(executor.runId);
    this.#reports.settled(executor.runId, outcome);
  }

  /** Waits until nothing the engine does on run `runId` could change what a request sees: a start, or its move to stuck. */
  async #quiet(runId: string): Promise<void> {
    await this.#starts.settled(runId);
    await this.#untrusted.settled(runId);
  }

  /**
   * Moves a run whose journal cannot be trusted to stuck: a note in `stuck:<runId>`; see
   * `quarantine.ts`. A worker then marks its work done, since no engine resumes it.
   */
  async #distrust(runId: string, error: SagaJournalInconsistentError): Promise<void> {
    this.#runs.delete(runId);
    await this.#untrusted.distrust(runId, error, (outcome) => this.#reports.settled(runId, outcome));
    await this.#worker?.finish(runId);
  }

  #fail(runId: string, error: unknown): void {
    this.#runs.delete(runId);
    // A run given up for a request from another worker is no fault: its result is followed in the journal.
    if (this.#worker?.lost(runId, error) === false) return this.#reports.waiters.reject(runId, error as Error);
    this.#reports.fault(runId, error);
  }

  /** Tracks background work on run `runId` that close() must wait for; its failure is reported through onError. */
  #track(work: Promise<void>, runId: string): void {
    const tracked = work.catch((error: unknown) => this.#fail(runId, error));
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }

  #assertOpen(operation: string): void {
    if (this.#state !== 'open') throw new EngineClosedError({ operation });
  }
}
