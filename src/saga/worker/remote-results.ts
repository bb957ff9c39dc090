/**
 * `result()` on a run this worker does not drive (another worker does, or none yet): the
 * run's journal is read every poll interval from where it was last seen, and the waiters
 * resolve once it shows the run settled. With many runs watched, one listing of the run
 * streams finds which changed, so the cost stays one query plus the reads of what moved.
 *
 * @module
 */
import type { Journal } from '../../store/index.js';
import { decodeRecord } from '../codec.js';
import { RUN_STREAM_PREFIX, runStream } from '../quarantine.js';
import { apply } from '../reduce.js';
import { outcomeOf, type RunOutcome } from '../run-outcome.js';
import type { RunState } from '../state.js';

/** Above this many watched runs, a poll lists the run streams instead of reading each. */
const LIST_ABOVE = 16;
/** The most reads one poll has in flight. */
const READS_IN_FLIGHT = 16;

interface Waiter {
  readonly resolve: (outcome: RunOutcome) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout | undefined;
}

interface Watch {
  state: RunState;
  readonly waiters: Set<Waiter>;
}

/** True when `outcome` is final for a waiter: completed, compensated or stuck. */
export function isSettled(outcome: RunOutcome): boolean {
  return outcome.status !== 'running' && outcome.status !== 'compensating';
}

/** @internal Waits for runs driven elsewhere to settle, by reading their journals. */
export class RemoteResults {
  readonly #journal: Journal;
  readonly #pollMs: number;
  readonly #watched = new Map<string, Watch>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #closed: ((runId: string) => Error) | undefined;

  constructor(journal: Journal, pollMs: number) {
    this.#journal = journal;
    this.#pollMs = pollMs;
  }

  /**
   * Resolves with run `runId`'s outcome once its journal shows it settled, or after
   * `timeoutMs` with its outcome then (`running` or `compensating`). `state` is the run's
   * state as last read.
   */
  wait(runId: string, state: RunState, timeoutMs: number | undefined): Promise<RunOutcome> {
    const now = outcomeOf(state);
    if (isSettled(now)) return Promise.resolve(now);
    if (this.#closed !== undefined) return Promise.reject(this.#closed(runId));
    return new Promise((resolve, reject) => {
      let watch = this.#watched.get(runId);
      if (watch === undefined) {
        watch = { state, waiters: new Set() };
        this.#watched.set(runId, watch);
      } else if (state.lastSeq > watch.state.lastSeq) {
        watch.state = state;
      }
      const current = watch;
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
        current.waiters.delete(waiter);
        if (current.waiters.size === 0 && this.#watched.get(runId) === current) this.#watched.delete(runId);
        resolve(outcomeOf(current.state));
      }, timeoutMs);
      const waiter: Waiter = { resolve, reject, timer };
      current.waiters.add(waiter);
      this.#schedule();
    });
  }

  /**
   * Run `outcome.runId` settled in this worker: its waiters need not wait for the next
   * read of its journal.
   */
  settled(outcome: RunOutcome): void {
    const watch = this.#watched.get(outcome.runId);
    if (watch !== undefined) this.#settle(outcome.runId, watch, outcome, undefined);
  }

  /** Rejects every waiter, and every later one, with `error(runId)`, and stops polling. */
  close(error: (runId: string) => Error): void {
    this.#closed = error;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [runId, watch] of this.#watched) this.#settle(runId, watch, undefined, error(runId));
    this.#watched.clear();
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#polling || this.#watched.size === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#poll();
    }, this.#pollMs);
  }

  async #poll(): Promise<void> {
    this.#polling = true;
    try {
      let moved: string[] = [...this.#watched.keys()];
      if (moved.length > LIST_ABOVE) {
        const streams = await this.#journal.streams({ prefix: RUN_STREAM_PREFIX }).catch(() => []);
        const last = new Map(streams.map((s) => [s.stream, s.lastSeq]));
        moved = moved.filter((runId) => (last.get(runStream(runId)) ?? 0) > (this.#watched.get(runId)?.state.lastSeq ?? Infinity));
      }
      for (let i = 0; i < moved.length; i += READS_IN_FLIGHT) {
        await Promise.all(moved.slice(i, i + READS_IN_FLIGHT).map((runId) => this.#catchUp(runId)));
      }
    } finally {
      this.#polling = false;
      this.#schedule();
    }
  }

  /** Reads what run `runId`'s journal gained since it was last seen; settles its waiters when it settled. */
  async #catchUp(runId: string): Promise<void> {
    const watch = this.#watched.get(runId);
    if (watch === undefined) return;
    try {
      const records = await this.#journal.read(runStream(runId), { fromSeq: watch.state.lastSeq + 1 });
      let state = watch.state;
      for (const record of records) state = apply(state, decodeRecord(runId, record));
      watch.state = state;
      const outcome = outcomeOf(state);
      if (isSettled(outcome)) this.#settle(runId, watch, outcome, undefined);
    } catch (error) {
      // A store that stays unavailable is tried again next poll; a journal that no longer
      // reduces is an answer: the waiters get its error, as `result()` gives it.
      if (isJournalError(error)) this.#settle(runId, watch, undefined, error);
    }
  }

  #settle(runId: string, watch: Watch, outcome: RunOutcome | undefined, error: unknown): void {
    if (this.#watched.get(runId) === watch) this.#watched.delete(runId);
    for (const waiter of watch.waiters) {
      clearTimeout(waiter.timer);
      if (outcome !== undefined) waiter.resolve(outcome);
      else waiter.reject(error);
    }
    watch.waiters.clear();
  }
}

function isJournalError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'SAGA_JOURNAL_INCONSISTENT' || code === 'JOURNAL_CORRUPT';
}
