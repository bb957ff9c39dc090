/**
 * The callers of `result()` waiting for runs to settle, by run id.
 *
 * @module
 */
import type { RunOutcome } from './run-outcome.js';

interface Waiter {
  readonly resolve: (outcome: RunOutcome) => void;
  readonly reject: (error: Error) => void;
}

/** @internal Waiters for runs to settle, each with an optional timeout. */
export class RunWaiters {
  readonly #byRun = new Map<string, Set<Waiter>>();

  /**
   * Resolves when {@link RunWaiters.resolve} is called for `runId`, or after `timeoutMs`
   * with `current()`, the run's outcome then; rejects on {@link RunWaiters.reject}.
   */
  wait(runId: string, timeoutMs: number | undefined, current: () => RunOutcome): Promise<RunOutcome> {
    return new Promise<RunOutcome>((resolve, reject) => {
      const waiters = this.#byRun.get(runId) ?? new Set<Waiter>();
      this.#byRun.set(runId, waiters);
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        waiters.delete(waiter);
        resolve(current());
      }, timeoutMs);
      const waiter: Waiter = {
        resolve: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      waiters.add(waiter);
    });
  }

  /** Resolves every waiter of `runId` with `outcome`. */
  resolve(runId: string, outcome: RunOutcome): void {
    for (const waiter of this.#take(runId)) waiter.resolve(outcome);
  }

  /** Rejects every waiter of `runId` with `error`. */
  reject(runId: string, error: Error): void {
    for (const waiter of this.#take(runId)) waiter.reject(error);
  }

  /** Rejects every waiter, of any run, with `error(runId)`. */
  rejectAll(error: (runId: string) => Error): void {
    for (const runId of [...this.#byRun.keys()]) this.reject(runId, error(runId));
  }

  #take(runId: string): Set<Waiter> {
    const waiters = this.#byRun.get(runId) ?? new Set<Waiter>();
    this.#byRun.delete(runId);
    return waiters;
  }
}
