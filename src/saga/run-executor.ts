/**
 * The loop that drives one run: plan, append, call, append the outcome, plan again. It is
 * the only writer of its run's journal, so appends are sequential and each names the last
 * sequence number it saw (`expectedSeq`): a second writer is detected, never interleaved.
 *
 * @module
 */
import type { Span } from '@opentelemetry/api';
import { CanceledError, DeadlineExceededError, type Scope } from '../scope/index.js';
import type { Journal } from '../store/index.js';
import type { SagaAction } from './actions.js';
import type { CompensationBreakers } from './circuit.js';
import { encodeEvent } from './codec.js';
import type { SagaDefinition } from './definition.js';
import { EngineClosedError, RunStatusError, SagaJournalInconsistentError } from './errors.js';
import type { SagaEvent } from './events.js';
import { plan } from './plan.js';
import { runStream } from './quarantine.js';
import { apply } from './reduce.js';
import { endSpan, type RunTrace } from './run-trace.js';
import type { RunState } from './state.js';
import { launchCall, outcomeEvent, startedEvent, type CallAction, type CallResult, type LaunchedCall } from './step-call.js';

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
}

interface Request {
  readonly event: SagaEvent;
  readonly operation: string;
  readonly resolve: (state: RunState) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * @internal Drives one run from its current state. Without a definition (its saga version
 * is not registered) it only serves requests (cancel, resolve) until `adopt` gives it one.
 *
 * Everything that appends happens in one loop (`#turn`): requests from outside, the
 * outcomes of settled calls, then the plan's records or calls. A plan's calls get their
 * `*-started` events in one append and are all launched before any outcome is appended.
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
  #requests: Request[] = [];
  #timer: NodeJS.Timeout | undefined;
  #pumping = false;
  #again = false;
  #stopping = false;
  #stopped = false;
  #drained: (() => void) | undefined;

  constructor(host: ExecutorHost, state: RunState, definition: SagaDefinition | undefined, trace: RunTrace) {
    this.runId = state.runId;
    this.#host = host;
    this.#trace = trace;
    this.#state = state;
    this.#definition = definition;
    this.#scope = host.scope.child({ name: runStream(state.runId) });
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
    for (;;) {
      if (this.#stopped) return;
      const request = this.#requests.shift();
      if (request !== undefined) {
        await this.#serve(request);
        continue;
      }
      if (this.#results.length > 0) {
        await this.#recordResults();
        continue;
      }
      const definition = this.#definition;
      if (definition === undefined || this.#stopping || isEnded(this.#state)) return;
      let actions: SagaAction[];
      try {
        actions = plan(definition, this.#state, this.#host.clock(), { inFlight: new Set(this.#calls.keys()) });
      } catch (error) {
        if (!(error instanceof SagaJournalInconsistentError)) throw error;
        this.#halt(new CanceledError({ scope: this.#scope.path, cause: error }));
        this.#trace.stopped('failed', error);
        this.#host.untrusted(this, error);
        return;
      }
      const abort = actions.find((a) => a.type === 'abort');
      if (abort !== undefined) this.#abort(abort.steps);
      const records = actions.flatMap((a) => (a.type === 'record' ? [a.event] : []));
      if (records.length > 0) {
        await this.#append(records);
        continue;
      }
      const wait = actions.find((a) => a.type === 'wait');
      this.#arm(wait?.until);
      const calls = actions.filter((a): a is CallAction => a.type === 'start-step' || a.type === 'confirm' || a.type === 'compensate');
      if (calls.length === 0) return;
      // Durable before any call runs: a crash from here on leaves a started phase that
      // recovery records as interrupted, never a call the journal does not know of. The
      // spans start first: a step's span context is part of its step-started event.
      const traced = calls.map((action) => this.#trace.startCall(action));
      try {
        await this.#append(calls.map((action, i) => startedEvent(action, traced[i]!.traceparent)));
      } catch (error) {
        for (const { span } of traced) endSpan(span, error);
        throw error;
      }
      if (this.#stopping) {
        for (const { span } of traced) endSpan(span, undefined, 'interrupted');
        return;
      }
      calls.forEach((action, i) => this.#launch(action, definition, traced[i]!.span));
    }
  }

  async #serve(request: Request): Promise<void> {
    try {
      apply(this.#state, { seq: this.#state.lastSeq + 1, at: Date.now(), event: request.event });
    } catch (error) {
      const reason = error instanceof SagaJournalInconsistentError ? error.reason : String(error);
      request.reject(new RunStatusError({ runId: this.runId, operation: request.operation, status: this.#state.status, reason }, error));
      return;
    }
    try {
      request.resolve(await this.#append([request.event]));
    } catch (error) {
      request.reject(error);
      throw error;
    }
  }

  async #recordResults(): Promise<void> {
    const batch = this.#results.splice(0);
    const context = {
      running: this.#state.status === 'running',
      now: this.#host.clock(),
      random: this.#host.random,
      breakerOpen: this.#host.breakers.isOpen(this.#state.saga),
    };
    const events = batch.map(({ call, result }) => {
      const event = outcomeEvent(call.action, result, context);
      // The span shows what the call did, whether or not the append below succeeds.
      endSpan(this.#spans.get(call.action.step)!, 'error' in event ? event.error : undefined);
      this.#spans.delete(call.action.step);
      return event;
    });
    await this.#append(events);
    for (const { call } of batch) this.#calls.delete(call.action.step);
  }

  /**
   * Appends `events` in one append, after checking them with `apply`: what is written is
   * always a journal `reduce` accepts. The in-memory records take the local time as their
   * commit time; the store stamps its own, a moment earlier.
   */
  async #append(events: readonly SagaEvent[]): Promise<RunState> {
    const at = Date.now();
    let next = this.#state;
    for (const event of events) next = apply(next, { seq: next.lastSeq + 1, at, event });
    await this.#host.journal.append(runStream(this.runId), events.map(encodeEvent), { expectedSeq: this.#state.lastSeq });
    const before = this.#state.status;
    this.#state = next;
    if (next.status !== before && (isEnded(next) || next.status === 'stuck')) {
      if (isEnded(next)) {
        this.#trace.ended(next);
        this.#halt(undefined);
      } else {
        this.#trace.stuck(next);
      }
      this.#host.settled(this);
    }
    return next;
  }

  #launch(action: CallAction, definition: SagaDefinition, span: Span): void {
    const { graceMs, breakers } = this.#host;
    const call = launchCall(action, { definition, state: this.#state, scope: this.#scope, graceMs, breakers, span });
    this.#calls.set(action.step, call);
    this.#spans.set(action.step, span);
    void call.settled.then((result) => {
      if (this.#stopped) {
        // Its outcome is not recorded (the executor stopped), but its span still ends.
        endSpan(span, result.ok ? undefined : result.error);
        return;
      }
      this.#results.push({ call, result });
      this.#kick();
    });
  }

  /** Aborts the calls of `steps`, with the reason the run compensates. */
  #abort(steps: readonly string[]): void {
    const cause = this.#state.compensation;
    const scope = this.#scope.path;
    const reason = cause?.cause === 'deadline-passed'
      ? new DeadlineExceededError({ scope, deadline: new Date(this.#state.deadline ?? this.#host.clock()) })
      : new CanceledError({ scope, cause: cause?.cause === 'cancel-requested' ? cause.reason : `step "${cause?.step ?? '?'}" failed for good and the run compensates` });
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

function isEnded(state: RunState): boolean {
  return state.status === 'completed' || state.status === 'compensated';
}
