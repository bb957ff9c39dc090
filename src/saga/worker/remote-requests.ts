/**
 * A request (cancel, resolve, revert) for a run this worker does not drive: appended to the
 * run's journal without a lease, checked against the state the journal shows and naming
 * its last sequence number, with the run's work entry reopened so that a worker takes it
 * up at once (a stuck run, a run waiting for a late retry, a completed run to revert).
 *
 * A worker driving the run meanwhile finds its next append in conflict; it then gives the
 * run up (see `saga-worker.ts`), and whoever claims it next reads the request. A cancel
 * reaches it sooner: the wake-up of the reopened work names the run, and the driving worker
 * aborts the run's running calls at once (see `foreign-cancels.ts`). A conflict here (the
 * driving worker appended first) is answered by reading again and retrying.
 *
 * @module
 */
import { isRewindError } from '../../errors.js';
import type { Journal } from '../../store/index.js';
import { encodeEvent } from '../codec.js';
import { RunNotFoundError, RunStatusError, SagaJournalInconsistentError } from '../errors.js';
import type { SagaEvent } from '../events.js';
import { loadRun } from '../inspector.js';
import { runStream } from '../quarantine.js';
import { apply } from '../reduce.js';
import type { RunState } from '../state.js';

/** How often a request is tried again after a conflict with the worker driving the run. */
const CONFLICT_RETRIES = 20;

/**
 * Appends `event` to run `runId` (see the module documentation) and resolves with the
 * run's state after it.
 *
 * @throws {@link RunNotFoundError} when no run has this id.
 * @throws {@link RunStatusError} when the event does not fit the run's state; nothing is written.
 * @throws {@link SagaJournalInconsistentError} when the run's journal cannot be trusted.
 * @throws `JournalConflictError` when the run's journal kept moving through every retry.
 */
export async function requestRemotely(journal: Journal, runId: string, event: SagaEvent, operation: string, now: () => number): Promise<RunState> {
  for (let attempt = 0; ; attempt++) {
    const loaded = await loadRun(journal, runId);
    if (loaded === undefined) throw new RunNotFoundError({ runId, operation });
    if (loaded.error !== undefined) throw loaded.error;
    const state = loaded.state;
    let next: RunState;
    try {
      next = apply(state, { seq: state.lastSeq + 1, at: now(), event });
    } catch (error) {
      const reason = error instanceof SagaJournalInconsistentError ? error.reason : String(error);
      throw new RunStatusError({ runId, operation, status: state.status, reason }, error);
    }
    try {
      await journal.append(runStream(runId), [encodeEvent(event)], { expectedSeq: state.lastSeq, work: { state: 'open' } });
      return next;
    } catch (error) {
      if (!isRewindError(error, 'JOURNAL_CONFLICT') || attempt >= CONFLICT_RETRIES) throw error;
    }
  }
}
