/**
 * The journal of a saga run: the events the engine appends, in order, one record each.
 *
 * This is a durable format. Every event is plain JSON; times are epoch milliseconds; the
 * first event (`started`) carries {@link SAGA_JOURNAL_FORMAT}, so that a later release can
 * read old journals and an old release refuses a newer one instead of misreading it. Events
 * carry no time of their own: the store stamps each record (`at`) when it commits it.
 *
 * @module
 */
import { describeValue, isRewindError } from '../errors.js';
import { assertJson, type JsonValue } from '../internal/json.js';

/** The journal format this release writes and reads. Bumped on any incompatible change. */
export const SAGA_JOURNAL_FORMAT = 1;

/**
 * An error as the journal keeps it: what a step, confirmation or compensation threw.
 * `code` and `details` are kept when the thrown value had them and they are JSON.
 */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string | undefined;
  readonly stack?: string | undefined;
  readonly details?: JsonValue | undefined;
}

/**
 * Why a compensation was recorded as done without calling anything.
 *
 * - `no-compensation`: the step declares no `compensate`; its effect is left as it is.
 * - `empty-cancel`: a TCC step whose `try` never started was canceled. Recording the cancel
 *   is what keeps a late `try` from ever running (anti-hanging).
 */
export const COMPENSATION_SKIP_REASONS = ['no-compensation', 'empty-cancel'] as const;

/** One of {@link COMPENSATION_SKIP_REASONS}. */
export type CompensationSkipReason = (typeof COMPENSATION_SKIP_REASONS)[number];

/**
 * How an operator resolved a stuck run.
 *
 * - `compensated`: the stuck compensation was done by hand; the run goes on compensating.
 * - `confirmed`: the stuck TCC confirmation was done by hand; the run goes on confirming.
 * - `retry`: try the stuck compensation or confirmation again, with a fresh retry budget.
 */
export const RESOLUTIONS = ['compensated', 'confirmed', 'retry'] as const;

/** One of {@link RESOLUTIONS}. */
export type Resolution = (typeof RESOLUTIONS)[number];

/**
 * The phases of a step that can get a run stuck: its compensation (or TCC cancel), or its
 * TCC confirmation.
 */
export const STUCK_PHASES = ['compensation', 'confirm'] as const;

/** One of {@link STUCK_PHASES}. */
export type StuckPhase = (typeof STUCK_PHASES)[number];

/** Fields shared by events about one attempt of a step's run, confirm or compensation. */
interface AttemptEvent {
  readonly step: string;
  /** 1-based, counting every attempt of this phase of the step, across retries and restarts. */
  readonly attempt: number;
}

/** Fields of a failed attempt. */
interface FailedAttemptEvent extends AttemptEvent {
  readonly error: SerializedError;
  /**
   * When another attempt follows (epoch ms), computed by the engine with `nextRetryAt`.
   * Absent: this failure is final (the retry budget is spent, or the error is not retryable).
   */
  readonly wakeAt?: number | undefined;
}

/**
 * One event of a saga run's journal.
 *
 * - `started`: first and only once: which saga and version, the input, the run's
 *   deadline (epoch ms), if it has one, and the W3C traceparent of the run's span, if
 *   tracing gave it one (a run resumed after a crash continues that trace).
 * - `step-started`, `step-succeeded` (with the step's output, absent when it returned
 *   nothing), `step-failed`: one attempt of a step's `run` (a TCC step's `try`).
 *   `step-started` keeps the traceparent of the attempt's span, if any: the span a later
 *   compensation or confirmation of the step links to.
 * - `confirm-started`, `confirm-succeeded`, `confirm-failed`: one attempt of a TCC
 *   step's `confirm`.
 * - `compensation-started`, `compensation-succeeded`, `compensation-failed`: one attempt
 *   of a step's `compensate` (a TCC step's `cancel`).
 * - `compensation-skipped`: a compensation recorded as done without a call; see
 *   {@link CompensationSkipReason}.
 * - `cancel-requested`: someone asked to cancel the run. Before the run commits (its first
 *   confirmation, or `completed`) it turns the run to compensating; after, it is recorded
 *   only.
 * - `revert-requested`: someone asked to undo a completed run (the business changed its
 *   mind), with why and, if given, who. Only after `completed`, and at most once: the run
 *   compensates every step as a failed run would, and ends `compensated`. The record's
 *   commit time (`at`) says when.
 * - `deadline-passed`: the run's deadline passed before it committed; it compensates.
 * - `completed`, `compensated`: the run ended.
 * - `stuck`: a compensation or confirmation failed past its retries; the run waits for an
 *   operator.
 * - `resolved`: an operator's resolution of the stuck step; see {@link Resolution}.
 */
export type SagaEvent =
  | {
      readonly type: 'started';
      readonly format: typeof SAGA_JOURNAL_FORMAT;
      readonly saga: string;
      readonly version: number;
      readonly input: JsonValue;
      readonly deadline?: number | undefined;
      readonly trace?: string | undefined;
    }
  | ({ readonly type: 'step-started'; readonly trace?: string | undefined } & AttemptEvent)
  | ({ readonly type: 'step-succeeded'; readonly output?: JsonValue | undefined } & AttemptEvent)
  | ({ readonly type: 'step-failed' } & FailedAttemptEvent)
  | ({ readonly type: 'confirm-started' } & AttemptEvent)
  | ({ readonly type: 'confirm-succeeded' } & AttemptEvent)
  | ({ readonly type: 'confirm-failed' } & FailedAttemptEvent)
  | ({ readonly type: 'compensation-started' } & AttemptEvent)
  | ({ readonly type: 'compensation-succeeded' } & AttemptEvent)
  | ({ readonly type: 'compensation-failed' } & FailedAttemptEvent)
  | { readonly type: 'compensation-skipped'; readonly step: string; readonly why: CompensationSkipReason }
  | { readonly type: 'cancel-requested'; readonly reason: string }
  | { readonly type: 'revert-requested'; readonly reason: string; readonly by?: string | undefined }
  | { readonly type: 'deadline-passed' }
  | { readonly type: 'completed' }
  | { readonly type: 'compensated' }
  | {
      readonly type: 'stuck';
      readonly step: string;
      readonly phase: StuckPhase;
      readonly error: SerializedError;
      readonly reason: string;
    }
  | {
      readonly type: 'resolved';
      readonly step: string;
      readonly action: Resolution;
      readonly reason: string;
      readonly by?: string | undefined;
    };

/** Every event type, in the order of {@link SagaEvent}'s documentation. */
export const SAGA_EVENT_TYPES = [
  'started',
  'step-started',
  'step-succeeded',
  'step-failed',
  'confirm-started',
  'confirm-succeeded',
  'confirm-failed',
  'compensation-started',
  'compensation-succeeded',
  'compensation-failed',
  'compensation-skipped',
  'cancel-requested',
  'revert-requested',
  'deadline-passed',
  'completed',
  'compensated',
  'stuck',
  'resolved',
] as const satisfies readonly SagaEvent['type'][];

/** One of {@link SAGA_EVENT_TYPES}. */
export type SagaEventType = (typeof SAGA_EVENT_TYPES)[number];

/**
 * One record of a run's journal as `reduce` reads it: the event with the sequence number
 * and commit time the store gave it.
 */
export interface JournalRecord {
  /** 1-based position in the run's journal; consecutive, without gaps. */
  readonly seq: number;
  /** When the store committed the record, epoch milliseconds. */
  readonly at: number;
  readonly event: SagaEvent;
}

/**
 * Turns whatever a step threw into its journal form. Keeps `name`, `message`, `stack`, a
 * string `code` and, for Rewind errors, `details` when they are JSON; a thrown non-Error
 * becomes an `Error` whose message describes it. Pure: the engine calls it when it records
 * a failure.
 */
export function serializeError(thrown: unknown): SerializedError {
  if (!(thrown instanceof Error)) {
    return { name: 'Error', message: `A non-Error value was thrown: ${describeValue(thrown)}` };
  }
  const code = (thrown as { code?: unknown }).code;
  const details = isRewindError(thrown) ? jsonOrUndefined(thrown.details) : undefined;
  return {
    name: thrown.name,
    message: thrown.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(thrown.stack === undefined ? {} : { stack: thrown.stack }),
    ...(details === undefined ? {} : { details }),
  };
}

function jsonOrUndefined(value: unknown): JsonValue | undefined {
  try {
    assertJson(value, 'value');
    return value;
  } catch {
    return undefined;
  }
}
