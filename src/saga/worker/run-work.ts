/**
 * What an append of a run does to the run's work entry, decided from the append alone (pure):
 *
 * - the run's first append opens its work, already claimed by the worker that starts it;
 * - the append that ends the run (completed, compensated) marks the work done;
 * - an append after which the run is stuck, with nothing in flight, reopens it due at
 *   {@link PARKED_UNTIL}, and the worker gives the run up: nothing happens to a stuck run
 *   until an operator's resolution, which is appended with the work due at once (see
 *   `remote-requests.ts`);
 * - an append after which the run only waits (nothing in flight) for longer than the
 *   worker's lease lasts reopens the work due at the wake-up time, and the worker gives the
 *   run up: any worker (this one, by a timer) claims it when it is due. A shorter wait is
 *   kept in memory, under the lease; if the worker dies meanwhile, the run is taken over
 *   when its lease lapses, and the new worker waits out what is left.
 *
 * @module
 */
import type { WorkUpdate } from '../../store/coordination.js';
import { isEnded } from '../run-outcome.js';
import type { RunState } from '../state.js';
import type { PlannedAppend } from './executor-hooks.js';

/** The due time of a stuck run's work: it is taken up only after an operator's resolution reopens it. */
export const PARKED_UNTIL = new Date('9999-12-31T00:00:00.000Z');

/** What an append does to its run's work, and whether the worker gives the run up after it. */
export interface WorkDecision {
  readonly work: WorkUpdate | undefined;
  /** Give the run up once the append is durable: it waits (until this time, epoch ms) or is stuck (`Infinity`). */
  readonly giveUpUntil: number | undefined;
}

const NOTHING: WorkDecision = Object.freeze({ work: undefined, giveUpUntil: undefined });

/** True when a phase of some step of `state` has an attempt in flight. */
export function hasCallsInFlight(state: RunState): boolean {
  for (const step of Object.values(state.steps)) {
    if (step.forward?.status === 'running' || step.confirm?.status === 'running' || step.compensation?.status === 'running') return true;
  }
  return false;
}

/**
 * The work update of `append` for a worker `owner` whose leases last `ttlMs`, at `now`.
 * Waits of at most `ttlMs` are kept in memory.
 */
export function workOf(append: PlannedAppend, owner: string, ttlMs: number, now: number): WorkDecision {
  const { opening, after, wait } = append;
  if (opening) return { work: { state: 'open', claimFor: { owner, ttlMs } }, giveUpUntil: undefined };
  if (isEnded(after)) return { work: { state: 'done' }, giveUpUntil: undefined };
  if (after.status !== 'stuck' && (wait === undefined || wait - now <= ttlMs)) return NOTHING;
  // Given up only with nothing in flight: the calls still running finish here first.
  if (hasCallsInFlight(after)) return NOTHING;
  if (after.status === 'stuck') return { work: { state: 'open', dueAt: PARKED_UNTIL }, giveUpUntil: Infinity };
  return { work: { state: 'open', dueAt: new Date(wait!) }, giveUpUntil: wait! };
}
