/**
 * The read-only view of saga runs in a journal: what `engine.get()` and `engine.list()`
 * answer, usable without an engine (by the CLI or a console), because a run's state is a
 * pure function of its journal.
 *
 * @module
 */
import type { Journal, StoredRecord, WorkEntry } from '../store/index.js';
import { decodeRecord } from './codec.js';
import { resolveListOptions, type ListOptions } from './engine-options.js';
import { RunNotFoundError, SagaJournalInconsistentError } from './errors.js';
import { RUN_STREAM_PREFIX, header, inconsistencyOf, readNote, readNotes, runStream } from './quarantine.js';
import { reduce } from './reduce.js';
import type { RunState, RunStatus } from './state.js';

/** One line of `list()`: a run's identity and status. */
export interface RunSummary {
  readonly runId: string;
  /** The saga and version the run started on; `''` and 0 when its first record is unreadable. */
  readonly saga: string;
  readonly version: number;
  readonly status: RunStatus;
  /** When the run started and when its journal last changed, epoch ms. */
  readonly startedAt: number;
  readonly updatedAt: number;
  /** Why a stuck run is stuck: its stuck step's reason, or its journal's inconsistency. */
  readonly stuckReason: string | undefined;
}

/**
 * Which worker drives a run, on a store that workers share (PostgreSQL): what
 * {@link SagaInspector.work} reads. Times are epoch ms on the store's clock.
 */
export interface RunWork {
  /** `open`: a worker drives the run or may take it up; `done`: no worker will. */
  readonly state: 'open' | 'done';
  /**
   * The worker holding the run, its lease's fencing token, and when the lease lapses unless
   * renewed (it may have lapsed: compare with `readAt`); `undefined` when no worker holds it.
   */
  readonly holder: { readonly worker: string; readonly token: number; readonly expiresAt: number } | undefined;
  /** When an open run may be taken up (a retry's wake-up; one in the past, or none, means at once). */
  readonly dueAt: number | undefined;
  /** The store's time when this was read: compare `expiresAt` and `dueAt` with it, not with this machine's clock. */
  readonly readAt: number;
}

/** @internal A run's stored records and either its state or why it has none. */
export type LoadedRun =
  | { readonly stored: readonly StoredRecord[]; readonly state: RunState; readonly error?: undefined }
  | { readonly stored: readonly StoredRecord[]; readonly state?: undefined; readonly error: SagaJournalInconsistentError };

/**
 * @internal Reads run `runId`'s journal and reduces it; `undefined` when the run does not
 * exist. An inconsistent journal is returned with its error, not thrown.
 */
export async function loadRun(journal: Journal, runId: string): Promise<LoadedRun | undefined> {
  const stored = await journal.read(runStream(runId));
  if (stored.length === 0) return undefined;
  try {
    return { stored, state: reduce(runId, stored.map((record) => decodeRecord(runId, record))) };
  } catch (error) {
    if (error instanceof SagaJournalInconsistentError) return { stored, error };
    throw error;
  }
}

/**
 * Reads saga runs from a journal. Nothing it does writes.
 *
 * @example
 * ```ts
 * const inspector = new SagaInspector(await openStore('sqlite:./rewind.db'));
 * for (const run of await inspector.list({ status: 'stuck' })) console.log(run.runId, run.stuckReason);
 * ```
 */
export class SagaInspector {
  readonly #journal: Journal;

  /** An inspector over `journal`, which stays the caller's to close. */
  constructor(journal: Journal) {
    this.#journal = journal;
  }

  /**
   * The state of run `runId`: its status, steps, attempts, errors and timeline, reduced
   * from its journal.
   *
   * @throws {@link RunNotFoundError} when no run has this id.
   * @throws {@link SagaJournalInconsistentError} when the run's journal cannot be trusted
   * (the engine moved the run to stuck; see `quarantine.ts`).
   * @throws the journal's errors (`StoreClosedError`, `JournalCorruptError`, ...).
   */
  async get(runId: string): Promise<RunState> {
    const note = await readNote(this.#journal, runId);
    if (note !== undefined) throw inconsistencyOf(note);
    const loaded = await loadRun(this.#journal, runId);
    if (loaded === undefined) throw new RunNotFoundError({ runId, operation: 'get' });
    if (loaded.error !== undefined) throw loaded.error;
    return loaded.state;
  }

  /**
   * Which worker drives run `runId`, and until when: its work entry on a store that workers
   * share. `undefined` on a store without workers (SQLite: the process that opens it owns
   * every run) and for a run that has no work entry. Reads only.
   *
   * @throws {@link InvalidArgumentError} when `runId` cannot name a run.
   * @throws the journal's errors.
   */
  async work(runId: string): Promise<RunWork | undefined> {
    return (await this.workOf([runId])).get(runId);
  }

  /**
   * {@link work} for many runs in one read: the runs that have a work entry, by run id;
   * empty on a store without workers.
   *
   * @throws {@link InvalidArgumentError} when a run id cannot name a run.
   * @throws the journal's errors.
   */
  async workOf(runIds: readonly string[]): Promise<Map<string, RunWork>> {
    const coordination = this.#journal.coordination;
    if (coordination === undefined) return new Map();
    const entries = await coordination.inspect(runIds.map((runId) => runStream(runId)));
    return new Map(entries.map((entry) => [entry.stream.slice(RUN_STREAM_PREFIX.length), toRunWork(entry)]));
  }

  /**
   * Summaries of the runs, in run id order, optionally only those of some statuses, of one
   * saga, or started since a time; with `limit`, the most recently started, newest first
   * (see {@link ListOptions}). It reads the journal of every run written since `since`: fine
   * for operators, not for a hot path.
   *
   * @throws {@link InvalidArgumentError} when a filter is not valid.
   * @throws the journal's errors.
   */
  async list(options?: ListOptions): Promise<RunSummary[]> {
    const { statuses, saga, since, limit } = resolveListOptions(options);
    const notes = await readNotes(this.#journal);
    const summaries: RunSummary[] = [];
    for (const { stream, updatedAt } of await this.#journal.streams({ prefix: RUN_STREAM_PREFIX })) {
      // A run started since `since` has been written since then too.
      if (since !== undefined && updatedAt.getTime() < since) continue;
      const runId = stream.slice(RUN_STREAM_PREFIX.length);
      const note = notes.get(runId);
      let summary: RunSummary;
      if (note === undefined) {
        const loaded = await loadRun(this.#journal, runId);
        if (loaded === undefined) continue;
        summary = loaded.error === undefined
          ? summarize(loaded.state)
          : untrusted(runId, loaded.stored, loaded.error.message, updatedAt.getTime());
      } else {
        const [first] = await this.#journal.read(stream, { limit: 1 });
        summary = untrusted(runId, first === undefined ? [] : [first], inconsistencyOf(note).message, updatedAt.getTime());
      }
      if (statuses !== undefined && !statuses.includes(summary.status)) continue;
      if (saga !== undefined && summary.saga !== saga) continue;
      if (since !== undefined && summary.startedAt < since) continue;
      summaries.push(summary);
    }
    if (limit === undefined) return summaries;
    return summaries.sort((a, b) => b.startedAt - a.startedAt || a.runId.localeCompare(b.runId)).slice(0, limit);
  }
}

function toRunWork(entry: WorkEntry): RunWork {
  const { lease } = entry;
  return {
    state: entry.state,
    holder: lease === undefined ? undefined : { worker: lease.owner, token: lease.token, expiresAt: lease.expiresAt.getTime() },
    dueAt: entry.dueAt?.getTime(),
    readAt: entry.readAt.getTime(),
  };
}

function summarize(state: RunState): RunSummary {
  return {
    runId: state.runId,
    saga: state.saga,
    version: state.version,
    status: state.status,
    startedAt: state.startedAt,
    updatedAt: state.updatedAt,
    stuckReason: state.stuck?.reason,
  };
}

function untrusted(runId: string, stored: readonly StoredRecord[], reason: string, updatedAt: number): RunSummary {
  const startedAt = stored[0]?.at.getTime() ?? updatedAt;
  return { runId, ...header(stored), status: 'stuck', startedAt, updatedAt, stuckReason: reason };
}
