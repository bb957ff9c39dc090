/**
 * The loop that drives one run: plan, append, call, append the outcome with what the plan
 * makes of it, call again. It is the only writer of its run's journal, so appends are
 * sequential and each names the last sequence number it saw (`expectedSeq`): a second
 * writer is detected, never interleaved.
 *
 * @module
 */
import type { Span } from '@opentelemetry/api';
import { CanceledError, DeadlineExceededError, type Scope } from '../scope/index.js';
import type { AppendResult, Journal } from '../store/index.js';
import type { SagaAction } from './actions.js';
import type { CompensationBreakers } from './circuit.js';
import { encodeEvent } from './codec.js';
import type { SagaDefinition } from './definition.js';
import { EngineClosedError, RunStatusError, SagaJournalInconsistentError } from './errors.js';
import type { SagaEvent } from './events.js';
import { plan } from './plan.js';
import { runStream } from './quarantine.js';
import { RunBatch, type RunRequest } from './run-batch.js';
import { isEnded } from './run-outcome.js';
import { endSpan, type RunTrace } from './run-trace.js';
import type { RunState } from './state.js';
import { launchCall, outcomeEvent, startedEvent, type CallAction, type CallResult, type LaunchedCall } from './step-call.js';
import type { ExecutorCoordination, PlannedAppend } from './worker/executor-hooks.js';
import type { CallCoordination } from './worker/transactions.js';

/** The longest delay `setTimeout` takes; a longer wait is re-planned when it fires. */
const MAX_TIMER_MS = 0x7fffffff;

/** @internal What an executor needs from its engine, and what it tells it. */
export interface ExecutorHost {
  readonly journal: Journal;
  readonly clock: () => number;
  readonly random: () => number;
  /** The engine's scope; each run gets a child. */
  readonly scope: Scope;
  readonly graceMs: number;
  readonly breakers: CompensationBreakers;
  /** The run became completed, compensated or stuck; called after the append that did it. */
  settled(executor: RunExecutor): void;
  /** `plan` found the journal does not fit the definition; the executor has stopped. */
  untrusted(executor: RunExecutor, error: SagaJournalInconsistentError): void;
  /** The executor cannot go on (a store error, a second writer); it has stopped. */
  failed(executor: RunExecutor, error: unknown): void;
  /** The run's lease and transactions, for its calls. */
  readonly calls: CallCoordination;
  /** On a store shared by several workers: each append's lease and work entry (see `worker/`). */
  readonly coordination?: ExecutorCoordination | undefined;
}

/**
 * @internal Drives one run from its current state. Without a definition (its saga version
 * is not registered) it only serves requests (cancel, resolve) until `adopt` gives it one.
 *
 * Everything that appends happens in one loop (`#turn`), one append per round: requests
 * from outside, the outcomes of settled calls, then what `plan` makes of the state they
 * lead to (its records, planned again until it asks for calls, and the calls' `*-started`
 * events). A five-step run is six appends: `started` goes with the first `step-started`,
 * each outcome with the next `step-started`, the last with `completed`. The calls are
 * launched, and steps aborted, only once the append is durable.
 */
export class RunExecutor {
  readonly runId: string;
  readonly #host: ExecutorHost;
  readonly #scope: Scope;
  #state: RunState;
  #definition: SagaDefinition | undefined;
  readonly #calls = new Map<string, LaunchedCall>();
  /** The span of each call in `#calls`, by step. */
  readonly #spans = new Map<string, Span>();
  readonly #trace: RunTrace;
  #results: { readonly call: LaunchedCall; readonly result: CallResult }[] = [];
  #requests: RunRequest[] = [];
  /** A new run's `started` event until its first append is durable; see {@link RunExecutor.opened}. */
  #opening: { readonly event: SagaEvent; readonly resolve: () => void; readonly reject: (error: unknown) => void } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #pumping = false;
  #again = false;
  #stopping = false;
  #stopped = false;
  #drained: (() => void) | undefined;

  /**
   * Settles when a new run's first append (its `started` event, with the `*-started`
   * events of its first calls) is durable, or rejects with why it failed: a
   * `JournalConflictError` when the run id is taken. The executor has stopped then, and
   * reports nothing to the host: what a failed start means is the caller's to decide.
   * Resolved at once for a run taken over from the journal.
   */
  readonly opened: Promise<void>;

  /**
   * An executor for the run whose state is `state`. For a new run, `opening` is its
   * `started` event, not written yet: `state` is the state after it, and the first append
   * writes it, expecting an empty stream.
   */
  constructor(host: ExecutorHost, state: RunState, definition: SagaDefinition | undefined, trace: RunTrace, opening?: SagaEvent) {
    this.runId = state.runId;
    this.#host = host;
    this.#trace = trace;
    this.#state = state;
    this.#definition = definition;
    this.#scope = host.scope.child({ name: runStream(state.runId) });
    this.opened = opening === undefined ? Promise.resolve() : new Promise((resolve, reject) => (this.#opening = { event: opening, resolve, reject }));
  }

  /**
   * Starts driving the run. Separate from the constructor because the first plan may
   * report to the host at once, which must already know the executor.
   */
  start(): void {
    this.#kick();
  }

  /** The run's state after the last append. */
  get state(): RunState {
    return this.#state;
  }

  /** The definition driving the run, or `undefined` while its version is not registered. */
  get definition(): SagaDefinition | undefined {
    return this.#definition;
  }

  /** Gives a parked run its definition: it resumes. */
  adopt(definition: SagaDefinition): void {
    this.#definition = definition;
    this.#kick();
  }

  /**
   * Appends `event` (a cancel request or a resolution) once it is this request's turn,
   * after checking it against the run's state then.
   *
   * @throws {@link RunStatusError} when the event does not fit the run's state.
   * @throws {@link EngineClosedError} when the engine is closing.
   */
  request(event: SagaEvent, operation: string): Promise<RunState> {
    if (this.#stopping || this.#stopped) return Promise.reject(this.#refusal(operation));
    return new Promise((resolve, reject) => {
      this.#requests.push({ event, operation, resolve, reject });
      this.#kick();
    });
  }

  /**
   * Stops the run for the engine's close: no new calls; running calls see their signal
   * abort; their outcomes are still appended. Resolves once nothing is in flight.
   */
  stop(): Promise<void> {
    this.#stopping = true;
    this.#arm(undefined);
    for (const request of this.#requests.splice(0)) request.reject(this.#refusal(request.operation));
    const reason = new CanceledError({ scope: this.#scope.path, cause: 'the saga engine is closing' });
    for (const call of this.#calls.values()) call.abort(reason);
    const drained = new Promise<void>((resolve) => (this.#drained = resolve));
    this.#checkDrained();
    return drained.then(() => {
      this.#trace.stopped('interrupted');
      return this.#scope.close();
    });
  }

  /**
   * Stops driving the run at once because of `error` (its lease was lost): no more appends,
   * running calls aborted, waiting requests refused; the host hears of it through `failed`.
   */
  interrupt(error: unknown): void {
    this.#fail(error);
  }

  /** True while a transactional call runs whose outcome has not come back. */
  #awaitingExclusive(): boolean {
    for (const call of this.#calls.values()) {
      if (call.exclusive && !this.#results.some((r) => r.call === call)) return true;
    }
    return false;
  }

  #kick(): void {
    if (this.#stopped) return;
    if (this.#pumping) {
      this.#again = true;
      return;
    }
    this.#pumping = true;
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#turn();
      } while (this.#again && !this.#stopped);
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#pumping = false;
      this.#checkDrained();
    }
  }

  async #turn(): Promise<void> {
    while (!this.#stopped) {
      // A transactional call commits with the run's next append: nothing else goes first.
      if (this.#awaitingExclusive()) return;
      const batch = this.#collect();
      if (batch === undefined) return;
      if (batch.events.length > 0) await this.#commit(batch);
      this.#act(batch);
      // The plan of this batch stands until something new comes: a request, an outcome,
      // or the wake-up armed for its wait.
      if (batch.events.length === 0 || (this.#requests.length === 0 && this.#results.length === 0)) return;
    }
  }

  /** Builds the next append: requests, then outcomes, then the plan; `undefined` when the plan found the journal untrusted. */
  #collect(): RunBatch | undefined {
    const batch = new RunBatch(this.#state, this.#opening?.event);
    for (const request of this.#requests.splice(0)) {
      try {
        batch.requests.push({ request, state: batch.add(request.event) });
      } catch (error) {
        const reason = error instanceof SagaJournalInconsistentError ? error.reason : String(error);
        request.reject(new RunStatusError({ runId: this.runId, operation: request.operation, status: batch.state.status, reason }, error));
      }
    }
    const results = this.#results.splice(0);
    if (results.length > 0) {
      const context = {
        running: batch.state.status === 'running',
        now: this.#host.clock(),
        random: this.#host.random,
        breakerOpen: this.#host.breakers.isOpen(batch.state.saga),
      };
      for (const { call, result } of results) {
        const { step } = call.action;
        const event = outcomeEvent(call.action, result, context);
        // The span shows what the call did, whether or not the append succeeds.
        endSpan(this.#spans.get(step)!, 'error' in event ? event.error : undefined);
        this.#spans.delete(step);
        batch.add(event);
        batch.settled.push(step);
      }
    }
    return this.#plan(batch) ? batch : undefined;
  }

  /**
   * Plans on the batch's state, adding the plan's records and planning again until it asks
   * for calls (or nothing), whose spans start here: a step's span context is part of its
   * `step-started` event. False when the journal does not fit the definition: the run stops.
   */
  #plan(batch: RunBatch): boolean {
    const definition = this.#definition;
    if (definition === undefined || this.#stopping || isEnded(batch.state)) return true;
    const inFlight = new Set(this.#calls.keys());
    for (const step of batch.settled) inFlight.delete(step);
    const now = this.#host.clock();
    for (;;) {
      let actions: SagaAction[];
      try {
        actions = plan(definition, batch.state, now, { inFlight });
      } catch (error) {
        if (!(error instanceof SagaJournalInconsistentError)) throw error;
        for (const { request } of batch.requests) request.reject(error);
        this.#halt(new CanceledError({ scope: this.#scope.path, cause: error }));
        this.#trace.stopped('failed', error);
        this.#host.untrusted(this, error);
        return false;
      }
      batch.planned = true;
      let recorded = false;
      for (const action of actions) {
        if (action.type === 'abort') action.steps.forEach((step) => batch.abort.add(step));
        if (action.type !== 'record') continue;
        batch.add(action.event);
        recorded = true;
      }
      if (recorded) {
        if (isEnded(batch.state)) return true;
        continue;
      }
      for (const action of actions) {
        if (action.type === 'wait') batch.wait = action.until;
        if (action.type !== 'start-step' && action.type !== 'confirm' && action.type !== 'compensate') continue;
        const { span, traceparent } = this.#trace.startCall(action);
        batch.add(startedEvent(action, traceparent));
        batch.calls.push({ action, span, definition });
      }
      return true;
    }
  }

  /** Appends the batch: the run's state is the batch's once it is durable. */
  async #commit(batch: RunBatch): Promise<void> {
    const opening = this.#opening;
    const coordination = this.#host.coordination;
    const planned: PlannedAppend | undefined = coordination && { opening: opening !== undefined, before: this.#state, after: batch.state, wait: batch.planned ? batch.wait : undefined };
    let result: AppendResult;
    try {
      const expectedSeq = opening === undefined ? this.#state.lastSeq : 0;
      const options = planned === undefined ? { expectedSeq } : { expectedSeq, ...coordination!.appendOptions(this, planned) };
      result = await this.#host.journal.append(runStream(this.runId), batch.events.map(encodeEvent), options);
    } catch (error) {
      for (const { span } of batch.calls) endSpan(span, error);
      for (const { request } of batch.requests) request.reject(error);
      throw error;
    }
    this.#opening = undefined;
    opening?.resolve();
    const before = this.#state.status;
    const next = batch.state;
    this.#state = next;
    for (const step of batch.settled) this.#calls.delete(step);
    if (next.status !== before && (isEnded(next) || next.status === 'stuck')) {
      if (isEnded(next)) {
        this.#trace.ended(next);
        this.#halt(undefined);
      } else {
        this.#trace.stuck(next);
      }
      this.#host.settled(this);
    }
    for (const { request, state } of batch.requests) request.resolve(state);
    if (planned !== undefined) coordination!.appended(this, result, planned);
  }

  /** Does what the (durable) batch asks: aborts, the wake-up, and the calls, unless the engine is closing. */
  #act(batch: RunBatch): void {
    if (batch.abort.size > 0) this.#abort(batch.abort);
    if (batch.planned) this.#arm(batch.wait);
    for (const { action, span, definition } of batch.calls) {
      if (this.#stopping || this.#stopped) endSpan(span, undefined, 'interrupted');
      else this.#launch(action, definition, span);
    }
  }

  #launch(action: CallAction, definition: SagaDefinition, span: Span): void {
    const { graceMs, breakers } = this.#host;
    const call = launchCall(action, { definition, state: this.#state, scope: this.#scope, graceMs, breakers, span, coordination: this.#host.calls });
    this.#calls.set(action.step, call);
    this.#spans.set(action.step, span);
    void call.settled.then((result) => {
      if (this.#stopped) {
        // Its outcome is not recorded (the executor stopped), but its span still ends.
        call.discard();
        endSpan(span, result.ok ? undefined : result.error);
        return;
      }
      this.#results.push({ call, result });
      this.#kick();
    });
  }

  /** Aborts the calls of `steps`, with the reason the run compensates. */
  #abort(steps: Iterable<string>): void {
    const cause = this.#state.compensation;
    const scope = this.#scope.path;
    const reason = cause?.cause === 'deadline-passed'
      ? new DeadlineExceededError({ scope, deadline: new Date(this.#state.deadline ?? this.#host.clock()) })
      : new CanceledError({ scope, cause: cause?.cause === 'cancel-requested' || cause?.cause === 'revert-requested' ? cause.reason : `step "${cause?.step ?? '?'}" failed for good and the run compensates` });
    for (const step of steps) this.#calls.get(step)?.abort(reason);
  }

  /** Arms the wake-up for `until` (epoch ms on the engine's clock), replacing any other. */
  #arm(until: number | undefined): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (until === undefined || this.#stopping || this.#stopped) return;
    const delay = Math.min(Math.max(until - this.#host.clock(), 0), MAX_TIMER_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#kick();
    }, delay);
  }

  /** Stops for good: no more appends, timers or calls (running ones are aborted with `reason`). */
  #halt(reason: unknown): void {
    this.#stopped = true;
    this.#arm(undefined);
    if (reason !== undefined) for (const call of this.#calls.values()) call.abort(reason);
    for (const request of this.#requests.splice(0)) request.reject(this.#refusal(request.operation));
    // Cannot reject: the run scope has no cleanups and is not strict; its call scopes close themselves.
    void this.#scope.close();
    this.#drained?.();
  }

  /** Why a request is refused once the executor stops: the run ended, or the engine closes. */
  #refusal(operation: string): Error {
    if (!isEnded(this.#state)) return new EngineClosedError({ operation });
    return new RunStatusError({ runId: this.runId, operation, status: this.#state.status, reason: 'the run has ended' });
  }

  #fail(error: unknown): void {
    if (this.#stopped) return;
    this.#halt(new CanceledError({ scope: this.#scope.path, cause: error }));
    const opening = this.#opening;
    if (opening !== undefined) {
      this.#opening = undefined;
      opening.reject(error);
      return;
    }
    this.#trace.stopped('failed', error);
    this.#host.failed(this, error);
  }

  #checkDrained(): void {
    if (this.#stopped || (this.#stopping && !this.#pumping && this.#calls.size === 0 && this.#results.length === 0)) {
      this.#stopped = true;
      this.#drained?.();
    }
  }
}
