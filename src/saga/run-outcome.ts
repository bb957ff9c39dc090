/**
 * What a run came to: the value of `run.result()` and of the engine's `onCompleted`,
 * `onCompensated` and `onStuck` events, derived from a run's state.
 *
 * @module
 */
import type { JsonValue } from '../internal/json.js';
import type { AnyOutputs } from './context.js';
import type { SerializedError, StuckPhase } from './events.js';
import type { QuarantineNote } from './quarantine.js';
import { stepState, type CompensationCause, type RunState } from './state.js';

/** A run that has not settled yet: `result()` past its timeout. The run goes on. */
export interface RunPending {
  readonly status: 'running' | 'compensating';
  readonly runId: string;
}

/** A run whose every step succeeded (and every TCC step was confirmed). */
export interface RunCompleted<Outputs = AnyOutputs> {
  readonly status: 'completed';
  readonly runId: string;
  readonly saga: string;
  readonly version: number;
  /** Every step's recorded output, by step name. */
  readonly outputs: Outputs;
}

/** A run that compensated every step it started. */
export interface RunCompensated {
  readonly status: 'compensated';
  readonly runId: string;
  readonly saga: string;
  readonly version: number;
  /** Why it compensated: a step failed for good, a cancel, its deadline, or a revert of the completed run. */
  readonly cause: CompensationCause;
  /** When a step failed for good: its last error. */
  readonly error: SerializedError | undefined;
}

/**
 * A run that waits for an operator.
 *
 * `phase` says what is stuck: a step's `compensation` or TCC `confirm` that failed past its
 * retries (resolve it with `engine.resolve()`), or the run's `journal`, which the engine
 * could not trust (inconsistent, or not fitting the registered definition); such a run is
 * never resumed by the engine, see `quarantine.ts`.
 */
export interface RunStuck {
  readonly status: 'stuck';
  readonly runId: string;
  /** The run's saga and version; `''` and 0 for a journal whose first record is unreadable. */
  readonly saga: string;
  readonly version: number;
  /** The stuck step; for a `journal`, the step of the record that did not fit, if any. */
  readonly step: string | undefined;
  readonly phase: StuckPhase | 'journal';
  /** The last error of the stuck step, or the journal's inconsistency. */
  readonly error: SerializedError;
  /** Why the run is stuck and what to do, for people. */
  readonly reason: string;
}

/** What `run.result()` resolves with: the run settled, or (past the timeout) its status. */
export type RunOutcome<Outputs = AnyOutputs> = RunPending | RunCompleted<Outputs> | RunCompensated | RunStuck;

/** The outcome a run's state shows: settled (completed, compensated, stuck) or pending. */
export function outcomeOf(state: RunState): RunOutcome {
  const { runId, saga, version } = state;
  switch (state.status) {
    case 'running':
    case 'compensating':
      return { status: state.status, runId };
    case 'completed': {
      const outputs: Record<string, JsonValue | undefined> = {};
      for (const step of Object.values(state.steps)) outputs[step.name] = step.forward?.output;
      return { status: 'completed', runId, saga, version, outputs };
    }
    case 'compensated': {
      const cause = state.compensation as CompensationCause;
      const failed = cause.cause === 'step-failed' ? stepState(state, cause.step)?.forward?.failures.at(-1)?.error : undefined;
      return { status: 'compensated', runId, saga, version, cause, error: failed };
    }
    case 'stuck': {
      const stuck = state.stuck!;
      return { status: 'stuck', runId, saga, version, step: stuck.step, phase: stuck.phase, error: stuck.error, reason: stuck.reason };
    }
  }
}

/** The outcome of a run the engine could not trust. */
export function quarantinedOutcome(note: QuarantineNote, error: Error): RunStuck {
  return {
    status: 'stuck',
    runId: note.runId,
    saga: note.saga,
    version: note.version,
    step: note.step,
    phase: 'journal',
    error: { name: error.name, message: error.message, code: 'SAGA_JOURNAL_INCONSISTENT' },
    reason: error.message,
  };
}

/** True when run `state` has ended (completed or compensated): nothing more happens to it. */
export function isEnded(state: RunState): boolean {
  return state.status === 'completed' || state.status === 'compensated';
}
