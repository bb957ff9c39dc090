/**
 * The state of a saga run, as `reduce` derives it from the run's journal. Plain JSON-like
 * data (no definition needed), so that an inspector can show any run without the code
 * that defined it.
 *
 * @module
 */
import type { JsonValue } from '../internal/json.js';
import type {
  CompensationSkipReason,
  JournalRecord,
  Resolution,
  SerializedError,
  StuckPhase,
} from './events.js';

/**
 * The statuses of a run.
 *
 * - `running`: steps are being run, retried or (for TCC steps) confirmed.
 * - `completed`: every step succeeded and every TCC step was confirmed. Terminal, unless it
 *   is reverted (`revert-requested`): then it compensates.
 * - `compensating`: a step failed past its retries, or the run was canceled or passed its
 *   deadline before it committed, or a completed run is being reverted: the steps that
 *   started are being compensated.
 * - `compensated`: every step that started was compensated (or had nothing to undo). Terminal.
 * - `stuck`: a compensation or confirmation failed past its retries. Nothing more happens
 *   until an operator records a resolution; then the run goes on.
 */
export const RUN_STATUSES = ['running', 'completed', 'compensating', 'compensated', 'stuck'] as const;

/** One of {@link RUN_STATUSES}. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * The statuses of one phase of a step (its run, its confirmation or its compensation).
 *
 * - `running`: an attempt started and has not recorded an outcome (it is running, or the
 *   process stopped while it ran).
 * - `retrying`: an attempt failed and another follows at `wakeAt`.
 * - `succeeded`: an attempt succeeded (or an operator resolved it as done).
 * - `failed`: an attempt failed and no other follows.
 * - `skipped`: compensations only: recorded as done without a call; see `skipped`.
 */
export const PHASE_STATUSES = ['running', 'retrying', 'succeeded', 'failed', 'skipped'] as const;

/** One of {@link PHASE_STATUSES}. */
export type PhaseStatus = (typeof PHASE_STATUSES)[number];

/** A failed attempt, as recorded. */
export interface AttemptFailure {
  readonly attempt: number;
  /** The sequence number of the record of the failure. */
  readonly seq: number;
  readonly error: SerializedError;
}

/** One phase of a step: its run (try), its confirmation or its compensation (cancel). */
export interface PhaseState {
  readonly status: PhaseStatus;
  /** The last attempt started, from 1; 0 when the phase was skipped. */
  readonly attempt: number;
  /**
   * The first attempt of the current retry budget: 1, or the attempt after an operator's
   * `retry` resolution, which grants a fresh budget.
   */
  readonly budgetStart: number;
  /** When the next attempt is due (epoch ms), while `retrying`. */
  readonly wakeAt: number | undefined;
  /** Every failed attempt, oldest first. */
  readonly failures: readonly AttemptFailure[];
}

/** A step's run (a TCC step's try). */
export interface ForwardState extends PhaseState {
  readonly status: Exclude<PhaseStatus, 'skipped'>;
  /** The output, once `succeeded` (`undefined` for a step that returned nothing). */
  readonly output: JsonValue | undefined;
}

/** A step's compensation (a TCC step's cancel) or confirmation. */
export interface SettleState extends PhaseState {
  /** Why it was skipped, when `skipped`. */
  readonly skipped: CompensationSkipReason | undefined;
  /** The operator's last resolution of this phase, if any. */
  readonly resolution: ResolutionRecord | undefined;
}

/** An operator's resolution, as recorded. */
export interface ResolutionRecord {
  readonly action: Resolution;
  readonly reason: string;
  readonly by: string | undefined;
  readonly seq: number;
}

/**
 * The statuses of a step, summarising its phases for display.
 *
 * - `running`, `retrying`, `succeeded`, `failed`: its run (try), as {@link PhaseStatus}.
 * - `confirming`, `confirmed`, `confirm-failed`: a TCC step's confirmation (retrying counts as confirming).
 * - `compensating`, `compensated`, `compensation-failed`: its compensation (retrying counts as compensating).
 * - `compensation-skipped`: compensated without a call (no `compensate`, or an empty TCC cancel).
 */
export const STEP_STATUSES = [
  'running',
  'retrying',
  'succeeded',
  'failed',
  'confirming',
  'confirmed',
  'confirm-failed',
  'compensating',
  'compensated',
  'compensation-failed',
  'compensation-skipped',
] as const;

/** One of {@link STEP_STATUSES}. */
export type StepStatus = (typeof STEP_STATUSES)[number];

/** One step of a run: only steps the journal mentions appear in {@link RunState.steps}. */
export interface StepState {
  readonly name: string;
  /** A summary of the phases below. */
  readonly status: StepStatus;
  /** Its run (try); `undefined` when it never started (an empty TCC cancel). */
  readonly forward: ForwardState | undefined;
  /** A TCC step's confirmation, once it started. */
  readonly confirm: SettleState | undefined;
  /** Its compensation (cancel), once it started or was skipped. */
  readonly compensation: SettleState | undefined;
}

/** Why a run turned to compensating. `revert-requested`: a completed run is being reverted. */
export type CompensationCause =
  | { readonly cause: 'step-failed'; readonly step: string; readonly seq: number }
  | { readonly cause: 'cancel-requested'; readonly reason: string; readonly seq: number }
  | { readonly cause: 'deadline-passed'; readonly seq: number }
  | { readonly cause: 'revert-requested'; readonly reason: string; readonly by: string | undefined; readonly seq: number };

/** The revert of a completed run, as recorded by its `revert-requested` event. */
export interface RevertRecord {
  /** Why the run was reverted, as the requester said. */
  readonly reason: string;
  /** Who asked, if they said. */
  readonly by: string | undefined;
  /** The sequence number of the `revert-requested` record. */
  readonly seq: number;
  /** When the request was committed, epoch ms. */
  readonly at: number;
}

/** Why a run is stuck: the `stuck` event that made it so. */
export interface StuckState {
  readonly step: string;
  readonly phase: StuckPhase;
  readonly error: SerializedError;
  readonly reason: string;
  readonly seq: number;
}

/** The state of a run: a pure function of its journal. */
export interface RunState {
  readonly runId: string;
  readonly status: RunStatus;
  /** The saga's name and version, as recorded when the run started. */
  readonly saga: string;
  readonly version: number;
  readonly input: JsonValue;
  /** The run's deadline, epoch ms, if it has one. */
  readonly deadline: number | undefined;
  /** True once the run committed (its first TCC confirmation started): cancels and deadlines no longer stop it. */
  readonly committed: boolean;
  /** True once `deadline-passed` was recorded. */
  readonly deadlinePassed: boolean;
  /** The first cancel request, if any (recorded even when it came too late to matter). */
  readonly cancel: { readonly reason: string; readonly seq: number } | undefined;
  /** Why the run compensates, once it does. */
  readonly compensation: CompensationCause | undefined;
  /** The revert of the run, once one was requested (after it completed); see {@link RevertRecord}. */
  readonly revert: RevertRecord | undefined;
  /** Why the run is stuck, while it is. */
  readonly stuck: StuckState | undefined;
  /** The steps the journal mentions, by name, in the order it first mentions them. */
  readonly steps: Readonly<Record<string, StepState>>;
  /** The sequence number of the last record applied. */
  readonly lastSeq: number;
  /** When the run started and when its last record was committed, epoch ms. */
  readonly startedAt: number;
  readonly updatedAt: number;
  /** Every record applied, in order. */
  readonly timeline: readonly JournalRecord[];
}

/** The state of step `name` of `state`, or `undefined` if the journal does not mention it. */
export function stepState(state: RunState, name: string): StepState | undefined {
  // Own properties only: a step named like an Object.prototype member must not match it.
  return Object.hasOwn(state.steps, name) ? state.steps[name] : undefined;
}
