/**
 * The OpenTelemetry spans of a run in this process: one for the run, and under it one per
 * attempt of a step's run (try), confirmation or compensation (cancel). The trace context
 * is journaled (`started` and `step-started` keep a traceparent), so a run resumed after a
 * crash continues its trace, and a compensation links to the span of the attempt it undoes
 * even when that attempt ran in a process that is gone.
 *
 * @module
 */
import { ROOT_CONTEXT, SpanStatusCode, context, trace, type Context, type Exception, type Link, type Span } from '@opentelemetry/api';
import { REWIND_ATTRIBUTES, contextFromTraceparent, fromTraceparent, rewindTracer, toTraceparent } from '../otel/index.js';
import { serializeError, type SerializedError } from './events.js';
import { outcomeOf } from './run-outcome.js';
import type { RunState } from './state.js';
import type { CallAction } from './step-call.js';

/** The span of one call. */
export interface TracedCall {
  readonly span: Span;
  /** The span's traceparent, for the `step-started` event of a step's attempt. */
  readonly traceparent: string | undefined;
}

/** The span name of each kind of call, followed by the step's name. */
const CALL_SPAN_NAMES = { 'start-step': 'saga step', confirm: 'saga confirm', compensate: 'saga compensate' } as const;

/** The saga a run belongs to, as its spans name it. */
interface RunIdentity {
  readonly runId: string;
  readonly saga: string;
  readonly version: number;
}

/**
 * @internal The spans of one run in this process. The run's span ends once: when the run
 * ends, when the engine stops driving it (a fault, an untrusted journal) or closes
 * (`rewind.outcome` = `interrupted`), or when a start found the run already there.
 */
export class RunTrace {
  readonly #run: RunIdentity;
  readonly #span: Span;
  /** The run's span as a parent, over the root context so nothing of a caller's context leaks in. */
  readonly #context: Context;
  /** The traceparent of the latest attempt of each step's run, for the links of its compensation and confirmation. */
  readonly #attempts: Map<string, string>;
  #ended = false;

  private constructor(run: RunIdentity, span: Span, attempts: Map<string, string>) {
    this.#run = run;
    this.#span = span;
    this.#context = trace.setSpan(ROOT_CONTEXT, span);
    this.#attempts = attempts;
  }

  /**
   * The span of a new run, a child of the caller's active span if any, so that a run
   * started while serving a request joins the request's trace.
   */
  static start(run: RunIdentity): RunTrace {
    const span = rewindTracer().startSpan('saga run', { attributes: runAttributes(run) }, context.active());
    return new RunTrace(run, span, new Map());
  }

  /**
   * The span of a run this process takes over from its journal: a child of the journaled
   * run span (same trace) marked `rewind.recovered`, or a new trace for a journal without one.
   */
  static resume(state: RunState): RunTrace {
    let parent: string | undefined;
    const attempts = new Map<string, string>();
    for (const { event } of state.timeline) {
      if (event.type === 'started') parent = event.trace;
      else if (event.type === 'step-started') setOrDelete(attempts, event.step, event.trace);
    }
    const attributes = { ...runAttributes(state), [REWIND_ATTRIBUTES.recovered]: true };
    const span = rewindTracer().startSpan('saga run (recovered)', { attributes }, contextFromTraceparent(parent));
    return new RunTrace(state, span, attempts);
  }

  /** The run span's traceparent, for the `started` event. */
  get traceparent(): string | undefined {
    return toTraceparent(this.#span.spanContext());
  }

  /**
   * Starts the span of `action`'s call, a child of the run's span. A compensation or
   * confirmation links to the span of the step's latest attempt, wherever it ran.
   */
  startCall(action: CallAction): TracedCall {
    const undone = action.type === 'start-step' ? undefined : fromTraceparent(this.#attempts.get(action.step));
    const links: Link[] = undone === undefined ? [] : [{ context: undone }];
    // One literal, no spreads: this runs for every call, traced or not.
    const attributes = {
      [REWIND_ATTRIBUTES.runId]: this.#run.runId,
      [REWIND_ATTRIBUTES.sagaName]: this.#run.saga,
      [REWIND_ATTRIBUTES.sagaVersion]: this.#run.version,
      [REWIND_ATTRIBUTES.stepName]: action.step,
      [REWIND_ATTRIBUTES.stepAttempt]: action.attempt,
      [REWIND_ATTRIBUTES.phase]: action.type === 'confirm' ? 'confirm' : action.handler,
      [REWIND_ATTRIBUTES.idempotencyKey]: action.idempotencyKey,
    };
    const name = `${CALL_SPAN_NAMES[action.type]} ${action.step}`;
    const span = rewindTracer().startSpan(name, { attributes, links }, this.#context);
    const traceparent = toTraceparent(span.spanContext());
    if (action.type === 'start-step') setOrDelete(this.#attempts, action.step, traceparent);
    return { span, traceparent };
  }

  /** Notes on the run's span that the run is stuck (its span stays open: an operator may resolve it). */
  stuck(state: RunState): void {
    if (state.stuck === undefined || this.#ended) return;
    this.#span.addEvent('saga stuck', { [REWIND_ATTRIBUTES.stepName]: state.stuck.step, [REWIND_ATTRIBUTES.phase]: state.stuck.phase });
  }

  /**
   * Ends the run's span for a run that ended: `completed`; `reverted` (the compensation an
   * operator asked of a completed run: it did what was asked, so no error); or `compensated`
   * (an error: the run did not do what it was asked).
   */
  ended(state: RunState): void {
    const outcome = outcomeOf(state);
    if (outcome.status !== 'compensated') return this.#end('completed', undefined);
    const cause = outcome.cause;
    if (cause.cause === 'revert-requested') return this.#end('reverted', undefined);
    const why = cause.cause === 'step-failed' ? `step "${cause.step}" failed` : cause.cause === 'cancel-requested' ? `canceled: ${cause.reason}` : 'its deadline passed';
    this.#end('compensated', outcome.error ?? { name: 'SagaCompensated', message: `The run compensated: ${why}` });
  }

  /** Ends the run's span when this process stops driving the run without it ending: `interrupted` (close), `failed`, or `existing` (a start found the run). */
  stopped(outcome: 'interrupted' | 'failed' | 'existing', error?: unknown): void {
    this.#end(outcome, error);
  }

  #end(outcome: string, error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    endSpan(this.#span, error, outcome);
  }
}

/**
 * Ends a span, with status ERROR and the exception recorded when `error` is given (a thrown
 * value, or a journaled {@link SerializedError}), and `rewind.outcome` when `outcome` is.
 */
export function endSpan(span: Span, error: unknown, outcome?: string): void {
  if (outcome !== undefined) span.setAttribute(REWIND_ATTRIBUTES.outcome, outcome);
  if (error !== undefined) {
    const exception = exceptionOf(error);
    span.recordException(exception);
    span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
  }
  span.end();
}

function exceptionOf(error: unknown): Exception & { readonly message: string } {
  const journaled = typeof error === 'object' && error !== null && !(error instanceof Error)
    && typeof (error as Partial<SerializedError>).name === 'string' && typeof (error as Partial<SerializedError>).message === 'string';
  const { name, message, stack, code } = journaled ? (error as SerializedError) : serializeError(error);
  return { name, message, ...(stack === undefined ? {} : { stack }), ...(code === undefined ? {} : { code }) };
}

function runAttributes(run: RunIdentity): Record<string, string | number> {
  return { [REWIND_ATTRIBUTES.runId]: run.runId, [REWIND_ATTRIBUTES.sagaName]: run.saga, [REWIND_ATTRIBUTES.sagaVersion]: run.version };
}

function setOrDelete(map: Map<string, string>, key: string, value: string | undefined): void {
  if (value === undefined) map.delete(key);
  else map.set(key, value);
}
