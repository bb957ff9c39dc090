/**
 * What `plan` asks the engine to do next. Each action says exactly what to append and what
 * to call; the engine adds nothing of its own but the clock, the random source for backoff
 * jitter, and the abort signals.
 *
 * @module
 */
import type { JsonValue } from '../internal/json.js';
import type { AnyOutputs } from './context.js';
import type { SagaEvent } from './events.js';
import type { ResolvedRetryPolicy } from './options.js';

/** The retry budget an attempt is part of, for `nextRetryAt` when the attempt fails. */
export interface AttemptBudget {
  readonly policy: ResolvedRetryPolicy;
  /**
   * 1-based position of this attempt in the policy's budget. Equal to the action's
   * `attempt`, except after an operator's `retry` resolution, which starts a fresh budget.
   */
  readonly attempt: number;
}

/** Fields of every action that calls a step's function. */
interface CallAction {
  readonly step: string;
  /** The attempt to record in the `*-started` event and pass as `ctx.attempt`. */
  readonly attempt: number;
  /** `ctx.idempotencyKey`: `<runId>:<step>`, the same for every attempt and phase of the step. */
  readonly idempotencyKey: string;
  /** `ctx.outputs`: the recorded outputs of the step's upstream steps. */
  readonly outputs: AnyOutputs;
  /** For `nextRetryAt` when the attempt fails. */
  readonly retry: AttemptBudget;
}

/**
 * Run attempt `attempt` of a step: append `step-started {step, attempt}`, add the step to
 * the in-flight set, and call the step's `run` (a TCC step's `try`) with a signal that
 * aborts after `timeoutMs`. When it settles, append `step-succeeded {step, attempt, output}`
 * (the output checked to be JSON) or `step-failed {step, attempt, error, wakeAt}` with
 * `wakeAt = nextRetryAt(retry.policy, retry.attempt, now, random)` (left out when
 * `undefined`), and remove the step from the in-flight set.
 */
export interface StartStepAction extends CallAction {
  readonly type: 'start-step';
  /** Which function is called: a plain step's `run` or a TCC step's `try`. */
  readonly handler: 'run' | 'try';
  /** How long the attempt may take before its signal aborts; `undefined`: no limit. */
  readonly timeoutMs: number | undefined;
}

/**
 * Confirm a TCC step: as {@link StartStepAction}, with `confirm-started`,
 * `confirm-succeeded {step, attempt}` and `confirm-failed`, calling the step's `confirm`.
 */
export interface ConfirmAction extends CallAction {
  readonly type: 'confirm';
  /** `ctx.output`: the output of the step's try. */
  readonly output: JsonValue | undefined;
}

/**
 * Compensate a step: as {@link StartStepAction}, with `compensation-started`,
 * `compensation-succeeded {step, attempt}` and `compensation-failed`, calling the step's
 * `compensate` (a TCC step's `cancel`).
 */
export interface CompensateAction extends CallAction {
  readonly type: 'compensate';
  /** Which function is called: a plain step's `compensate` or a TCC step's `cancel`. */
  readonly handler: 'compensate' | 'cancel';
  /** `ctx.output`: the step's recorded output, `undefined` when it never recorded one. */
  readonly output: JsonValue | undefined;
}

/**
 * Append `event` as it is. Used for the decisions `plan` makes without calling anything:
 * `completed`, `compensated`, `stuck`, `deadline-passed`, `compensation-skipped`, and the
 * failure of an attempt that was interrupted (see `plan`).
 */
export interface RecordAction {
  readonly type: 'record';
  readonly event: SagaEvent;
}

/**
 * Abort the signals of these in-flight steps: the run compensates and their runs must stop.
 * Repeated by every plan while they run; aborting twice is harmless.
 */
export interface AbortAction {
  readonly type: 'abort';
  readonly steps: readonly string[];
}

/**
 * Nothing more is due before `until` (epoch ms), the earliest retry or the run's deadline,
 * unless an in-flight call settles or an event is appended first. Schedule a durable
 * wake-up at `until` and plan again then.
 */
export interface WaitAction {
  readonly type: 'wait';
  readonly until: number;
}

/**
 * One thing to do. A plan is either a list of {@link RecordAction}s (append them in
 * order, then plan again) or calls to start with at most one {@link WaitAction}; either
 * may come with an {@link AbortAction}.
 */
export type SagaAction = StartStepAction | ConfirmAction | CompensateAction | RecordAction | AbortAction | WaitAction;

