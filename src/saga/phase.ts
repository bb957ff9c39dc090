/**
 * The transitions of one phase of a step (run, confirmation or compensation), shared by
 * the three phases: an attempt starts, then succeeds or fails, and a failure is retried
 * at its `wakeAt` or is final.
 *
 * @module
 */
import type { SerializedError } from './events.js';
import type { PhaseState } from './state.js';

/** What a transition gives back: the new phase, or why the transition is impossible. */
export type Transition<P> = { readonly ok: true; readonly phase: P } | { readonly ok: false; readonly reason: string };

const ok = <P>(phase: P): Transition<P> => ({ ok: true, phase });
const no = <P>(reason: string): Transition<P> => ({ ok: false, reason });

/** The phase after attempt `attempt` started: the first attempt, or the one after a failure that asked for a retry. */
export function startAttempt<P extends PhaseState>(phase: P | undefined, attempt: number, fresh: (p: PhaseState) => P): Transition<P> {
  if (phase === undefined) {
    if (attempt !== 1) return no(`attempt ${attempt} started, but no attempt 1 was recorded`);
    return ok(fresh({ status: 'running', attempt: 1, budgetStart: 1, wakeAt: undefined, failures: [] }));
  }
  if (phase.status !== 'retrying') {
    return no(`attempt ${attempt} started while the last attempt (${phase.attempt}) is ${phase.status}, not waiting for a retry`);
  }
  if (attempt !== phase.attempt + 1) return no(`attempt ${attempt} started after attempt ${phase.attempt}`);
  return ok({ ...phase, status: 'running', attempt, wakeAt: undefined });
}

/** The phase after attempt `attempt` succeeded. */
export function succeedAttempt<P extends PhaseState>(phase: P | undefined, attempt: number): Transition<P> {
  const running = checkRunning(phase, attempt);
  return running.ok ? ok({ ...running.phase, status: 'succeeded' }) : running;
}

/**
 * The phase after attempt `attempt` failed: `retrying` when the failure names a `wakeAt`
 * and `retryAllowed`, otherwise `failed`.
 */
export function failAttempt<P extends PhaseState>(
  phase: P | undefined,
  failure: { readonly attempt: number; readonly error: SerializedError; readonly wakeAt?: number | undefined; readonly seq: number },
  retryAllowed: boolean,
): Transition<P> {
  const running = checkRunning(phase, failure.attempt);
  if (!running.ok) return running;
  const retry = retryAllowed && failure.wakeAt !== undefined;
  return ok({
    ...running.phase,
    status: retry ? 'retrying' : 'failed',
    wakeAt: retry ? failure.wakeAt : undefined,
    failures: [...running.phase.failures, { attempt: failure.attempt, seq: failure.seq, error: failure.error }],
  });
}

function checkRunning<P extends PhaseState>(phase: P | undefined, attempt: number): Transition<P> {
  if (phase === undefined) return no(`attempt ${attempt} recorded an outcome, but it never started`);
  if (phase.status !== 'running' || phase.attempt !== attempt) {
    return no(`attempt ${attempt} recorded an outcome, but ${phase.status === 'running' ? `attempt ${phase.attempt} is the one running` : `no attempt is running (the last, ${phase.attempt}, is ${phase.status})`}`);
  }
  return ok(phase);
}
