/**
 * The transitions of one phase of a step (run, confirmation or compensation), shared by
 * the three phases: an attempt starts, then succeeds or fails, and a failure is retried
 * at its `wakeAt` or is final.
 *
 * Phases are built field by field rather than spread: `apply` runs for every record the
 * engine writes, and in V8 an object literal is an order of magnitude cheaper than a spread.
 *
 * @module
 */
import type { SerializedError } from './events.js';
import type { AttemptFailure, PhaseState, PhaseStatus } from './state.js';

/** A phase that an attempt started: any status but `skipped`. */
export type AttemptedPhase = PhaseState & { readonly status: Exclude<PhaseStatus, 'skipped'> };

/** What a transition gives back: the new phase, or why the transition is impossible. */
export type Transition<P> = { readonly ok: true; readonly phase: P } | { readonly ok: false; readonly reason: string };

const ok = <P>(phase: P): Transition<P> => ({ ok: true, phase });
const no = <P>(reason: string): Transition<P> => ({ ok: false, reason });

/** A phase with these fields (and nothing else). */
export function phaseOf<S extends PhaseStatus>(
  status: S,
  attempt: number,
  budgetStart: number,
  wakeAt: number | undefined,
  failures: readonly AttemptFailure[],
): PhaseState & { readonly status: S } {
  return { status, attempt, budgetStart, wakeAt, failures };
}

/** The phase after attempt `attempt` started: the first attempt, or the one after a failure that asked for a retry. */
export function startAttempt(phase: PhaseState | undefined, attempt: number): Transition<AttemptedPhase> {
  if (phase === undefined) {
    if (attempt !== 1) return no(`attempt ${attempt} started, but no attempt 1 was recorded`);
    return ok(phaseOf('running', 1, 1, undefined, []));
  }
  if (phase.status !== 'retrying') {
    return no(`attempt ${attempt} started while the last attempt (${phase.attempt}) is ${phase.status}, not waiting for a retry`);
  }
  if (attempt !== phase.attempt + 1) return no(`attempt ${attempt} started after attempt ${phase.attempt}`);
  return ok(phaseOf('running', attempt, phase.budgetStart, undefined, phase.failures));
}

/** The phase after attempt `attempt` succeeded. */
export function succeedAttempt(phase: PhaseState | undefined, attempt: number): Transition<AttemptedPhase> {
  const running = checkRunning(phase, attempt);
  if (!running.ok) return running;
  const { budgetStart, wakeAt, failures } = running.phase;
  return ok(phaseOf('succeeded', attempt, budgetStart, wakeAt, failures));
}

/**
 * The phase after attempt `attempt` failed: `retrying` when the failure names a `wakeAt`
 * and `retryAllowed`, otherwise `failed`.
 */
export function failAttempt(
  phase: PhaseState | undefined,
  failure: { readonly attempt: number; readonly error: SerializedError; readonly wakeAt?: number | undefined; readonly seq: number },
  retryAllowed: boolean,
): Transition<AttemptedPhase> {
  const running = checkRunning(phase, failure.attempt);
  if (!running.ok) return running;
  const retry = retryAllowed && failure.wakeAt !== undefined;
  const failures = [...running.phase.failures, { attempt: failure.attempt, seq: failure.seq, error: failure.error }];
  return ok(phaseOf(retry ? 'retrying' : 'failed', failure.attempt, running.phase.budgetStart, retry ? failure.wakeAt : undefined, failures));
}

function checkRunning(phase: PhaseState | undefined, attempt: number): Transition<PhaseState> {
  if (phase === undefined) return no(`attempt ${attempt} recorded an outcome, but it never started`);
  if (phase.status !== 'running' || phase.attempt !== attempt) {
    return no(`attempt ${attempt} recorded an outcome, but ${phase.status === 'running' ? `attempt ${phase.attempt} is the one running` : `no attempt is running (the last, ${phase.attempt}, is ${phase.status})`}`);
  }
  return ok(phase);
}
