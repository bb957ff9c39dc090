/**
 * The wait of a request command (`cancel`, `retry`, `resolve`, `revert`) for its run to
 * settle, with Ctrl-C: the same stop as `rewind recover`'s (see interrupt.ts), for one run.
 *
 * @module
 */
import type { RunOutcome, SagaEngine } from '../saga/index.js';
import { listenForStop, type StopSignal } from './interrupt.js';
import type { Output } from './output.js';

/** How the wait ended: the run settled (or `timeout` passed) with `outcome`, or a signal stopped it. */
export type RunWait = { readonly outcome: RunOutcome } | { readonly stoppedBy: StopSignal };

/**
 * Waits up to `timeoutMs` for run `runId` to settle in `engine`, or for the first SIGINT or
 * SIGTERM. After a signal the engine is closed gracefully before this returns: running
 * calls see their signal abort, and the outcomes that come within its grace period are
 * appended. The request made before the wait is in the journal already, so stopping loses
 * nothing: the run goes on when an engine with its saga resumes it. On PostgreSQL, where
 * the wait may follow the journal of a run another worker drives, closing this engine
 * stops only the following. A second signal exits 130 at once.
 *
 * Signals are listened for from the call on (the listeners are added before it first
 * yields) until the returned promise settles: before the wait nothing runs that a signal
 * should let finish, and after it Node's default applies again (and in-process callers keep
 * no listeners).
 *
 * @throws what `engine.result` throws, when the wait ends otherwise.
 */
export async function waitForRun(out: Output, engine: SagaEngine, runId: string, timeoutMs: number): Promise<RunWait> {
  const stop = listenForStop(out, `stopped waiting for run ${runId} (the request is recorded); running steps are asked to stop, and the outcomes that come within the grace period are recorded`);
  try {
    // After a stop, the pending result() rejects as the engine closes; the race has taken
    // it, so that rejection is handled (and ignored) there.
    const ended = await Promise.race([
      engine.result(runId, { timeout: timeoutMs }).then((outcome): RunWait => ({ outcome })),
      stop.requested.then((stoppedBy): RunWait => ({ stoppedBy })),
    ]);
    // Closed while still listening, so that a second signal cuts short a close that waits
    // on a call ignoring its abort.
    if ('stoppedBy' in ended) await engine.close();
    return ended;
  } finally {
    stop[Symbol.dispose]();
  }
}
