/**
 * An engine as one of many workers on a store with coordination (PostgreSQL).
 *
 * - A run is driven by the worker holding its lease. `start()` opens the run's work already
 *   claimed by the starting worker (or, past `maxRuns`, for any worker); idle workers claim
 *   open, due, unheld runs (`FOR UPDATE SKIP LOCKED`), woken by the store's notifications
 *   and by polling.
 * - Every append of a run carries its lease: a worker that lost it (paused, cut off) is
 *   refused with `FencedWriteError`, and stops driving the run (its calls aborted).
 * - The heartbeat renews the leases; a lease that cannot be renewed in time is given up
 *   before it can lapse (see `lease-table.ts`).
 * - The run's work entry follows the run (see `run-work.ts`): done when it ends; for a long
 *   retry wait or a stuck run, due later, and the worker gives the run up.
 * - `close()` releases every lease, so other workers take the runs over at once; a worker
 *   that dies has its runs taken over once their leases lapse.
 * - A claimed run of a saga version not registered here is handed back at once, and left
 *   out of this worker's claims for {@link PASS_OVER_MS} (or until the version is
 *   registered), so a worker that has the version (a rolling deploy, a canary) takes it.
 * - `result()` on a run driven elsewhere follows its journal (`remote-results.ts`); a
 *   request on one is appended without a lease (`remote-requests.ts`).
 *
 * @module
 */
import { isRewindError } from '../../errors.js';
import { CanceledError } from '../../scope/index.js';
import type { AppendOptions, AppendResult, Journal } from '../../store/index.js';
import type { JournalCoordination, Lease } from '../../store/coordination.js';
import { encodeEvent } from '../codec.js';
import type { SagaJournalInconsistentError } from '../errors.js';
import type { UnresumableRun } from '../engine-types.js';
import type { SagaEvent } from '../events.js';
import { loadRun } from '../inspector.js';
import { RUN_STREAM_PREFIX, runStream } from '../quarantine.js';
import { isEnded, type RunOutcome } from '../run-outcome.js';
import type { RunState } from '../state.js';
import { ClaimLoop } from './claim-loop.js';
import { ExecutorJournal } from './executor-journal.js';
import { ForeignCancels } from './foreign-cancels.js';
import type { DrivenRun, ExecutorCoordination, PlannedAppend } from './executor-hooks.js';
import { Heartbeat, LeaseTable, runIdOf } from './lease-table.js';
import { RemoteResults } from './remote-results.js';
import { requestRemotely } from './remote-requests.js';
import type { RetryingJournal } from './retrying-journal.js';
import { workOf, type WorkDecision } from './run-work.js';
import { RunTransactions, TransactionNotCommittedError } from './transactions.js';
import type { ResolvedWorkerOptions } from './worker-options.js';

/** How long a run handed back for its unregistered saga version is left out of this worker's claims before it looks again. */
export const PASS_OVER_MS = 60_000;

/** True for a `FencedWriteError`: the append's lease was no longer the stream's current one. */
export function isFencedWrite(error: unknown): boolean {
  return isRewindError(error) && (error as { code: string }).code === 'FENCED_WRITE';
}

/** @internal What a worker needs from its engine. */
export interface WorkerEngine {
  /** Starts driving a claimed run from its state as loaded. */
  adopt(state: RunState): DrivenRun;
  /** Moves a run whose journal cannot be trusted to stuck (noted outside its journal). */
  distrust(runId: string, error: SagaJournalInconsistentError): Promise<void>;
  /** The executor driving run `runId` here, if any. */
  driven(runId: string): DrivenRun | undefined;
  /** Forgets `run` (given up): `result()` calls waiting on it go on reading its journal. */
  forget(runId: string, run: DrivenRun): void;
  /** False once the engine is closing. */
  isOpen(): boolean;
  /** True when the saga version of `state` is registered here. */
  registered(state: RunState): boolean;
}

/** @internal The multi-worker side of one engine; see the module documentation. */
export class SagaWorker implements ExecutorCoordination {
  readonly id: string;
  /** The run transactions and leases that step calls use. */
  readonly calls: RunTransactions;
  /** The journal executors append through: transactional commits are routed to their transaction. */
  readonly journal: Journal;
  readonly #retrying: RetryingJournal;
  readonly #coordination: JournalCoordination;
  readonly #options: ResolvedWorkerOptions;
  readonly #clock: () => number;
  readonly #graceMs: number;
  readonly #engine: WorkerEngine;
  readonly #table: LeaseTable;
  readonly #heartbeat: Heartbeat;
  readonly #claims: ClaimLoop;
  readonly #results: RemoteResults;
  readonly #decisions = new WeakMap<PlannedAppend, WorkDecision & { readonly sentAt: number }>();
  /** Runs whose lease the heartbeat gave up, with why, until their executor reports it stopped. */
  readonly #lostWhy = new Map<string, string>();
  readonly #background = new Set<Promise<unknown>>();
  /** Runs handed back because their saga version is not registered here, until when (epoch ms) they stay unclaimed by this worker. */
  readonly #passedOver = new Map<string, { readonly until: number; readonly run: UnresumableRun }>();
  #adopting = 0;
  /** Runs this worker is starting, counted from the room check until their opening append claimed them. */
  #opening = 0;
  readonly #cancels: ForeignCancels;

  constructor(journal: RetryingJournal, coordination: JournalCoordination, options: ResolvedWorkerOptions, clock: () => number, graceMs: number, engine: WorkerEngine) {
    this.id = options.id;
    this.#retrying = journal;
    this.#coordination = coordination;
    this.#options = options;
    this.#clock = clock;
    this.#graceMs = graceMs;
    this.#engine = engine;
    this.#table = new LeaseTable(options.leaseTtlMs);
    this.calls = new RunTransactions(journal, coordination, (runId) => this.#table.get(runId), options.maxTransactions);
    this.journal = new ExecutorJournal(journal, this.calls);
    this.#heartbeat = new Heartbeat(this.#table, coordination, options.leaseTtlMs, { clock, lost: (runIds, why) => this.#leasesLost(runIds, why) });
    this.#claims = new ClaimLoop({
      room: () => this.room(),
      claim: (limit) => this.#claim(limit),
      onWork: (listener) => coordination.onWork(listener),
      clock,
      pollIntervalMs: options.pollIntervalMs,
    });
    // Reading a run's journal is cheap next to a claim, and a caller waits on it: at least once a second.
    this.#results = new RemoteResults(journal, Math.min(options.pollIntervalMs, 1_000));
    this.#cancels = new ForeignCancels({
      driven: (runId) => (this.#table.has(runId) ? engine.driven(runId) : undefined),
      read: (stream, fromSeq) => journal.read(stream, { fromSeq }),
      onWork: (listener) => coordination.onWork(listener),
      track: (work) => this.#track(work),
    });
  }

  /** Starts taking runs up: claims once (resolves when that is done), then as work appears. */
  start(): Promise<void> {
    this.#cancels.start();
    return this.#claims.start();
  }

  /** How many more runs this worker can drive now (runs it holds but cannot drive do not count). */
  room(): number {
    let driving = this.#adopting + this.#opening;
    for (const runId of this.#table.runIds()) {
      const run = this.#engine.driven(runId);
      if (run?.definition !== undefined && run.state.status !== 'stuck') driving++;
    }
    return this.#options.maxRuns - driving;
  }

  /** The runs this worker handed back for their unregistered saga version, still left out of its claims. */
  passedOver(): UnresumableRun[] {
    const now = this.#clock();
    return [...this.#passedOver.values()].filter((p) => p.until > now).map((p) => p.run);
  }

  /** Saga `saga` version `version` is now registered here: its runs handed back may be claimed again at once. */
  versionRegistered(saga: string, version: number): void {
    for (const [runId, { run }] of this.#passedOver) if (run.saga === saga && run.version === version) this.#passedOver.delete(runId);
    this.#claims.wake();
  }

  /**
   * Counts a run this worker starts against its room until `done` is called (once its
   * opening append settled): taken in the same tick as the room check, so simultaneous starts
   * cannot all see the same room.
   */
  opening(): () => void {
    this.#opening++;
    let counted = true;
    return () => {
      if (counted) this.#opening--;
      counted = false;
    };
  }

  /** True while this worker holds run `runId`'s lease. */
  holds(runId: string): boolean {
    return this.#table.has(runId);
  }

  /** @internal See {@link ExecutorCoordination.appendOptions}. */
  appendOptions(run: DrivenRun, append: PlannedAppend): { lease?: Lease; work?: NonNullable<AppendOptions['work']> } {
    const now = this.#clock();
    const decision = workOf(append, this.id, this.#options.leaseTtlMs, now);
    this.#decisions.set(append, { ...decision, sentAt: now });
    if (append.opening) return { work: decision.work! };
    this.#cancels.writing(run.runId, append.after.lastSeq);
    const lease = this.#table.get(run.runId);
    if (lease === undefined) {
      throw new CanceledError({ scope: runStream(run.runId), cause: this.#lostWhy.get(run.runId) ?? 'this worker no longer holds the run\'s lease' });
    }
    return decision.work === undefined ? { lease } : { lease, work: decision.work };
  }

  /** @internal See {@link ExecutorCoordination.appended}. */
  appended(run: DrivenRun, result: AppendResult, append: PlannedAppend): void {
    const decision = this.#decisions.get(append);
    if (append.opening) {
      if (result.lease !== undefined) {
        this.#table.add(run.runId, result.lease, decision?.sentAt ?? this.#clock());
        this.#heartbeat.start();
      } else {
        // The first try committed but its answer was lost (see `retrying-journal.ts`): the
        // lease it took is unknown, so the run is left to whoever claims it once it lapses.
        void run.stop();
      }
      return;
    }
    if (isEnded(append.after)) {
      // Its work is done: the append that marked it so ended the lease as well.
      this.#table.remove(run.runId);
      this.#cancels.forget(run.runId);
      return;
    }
    if (decision?.giveUpUntil !== undefined) this.#giveUp(run, decision.giveUpUntil);
  }

  /**
   * A start past `maxRuns`: writes the run's `started` record with its work open for any
   * worker. False when the run id is taken.
   */
  async openForAny(runId: string, started: SagaEvent): Promise<boolean> {
    try {
      await this.#retrying.append(runStream(runId), [encodeEvent(started)], { expectedSeq: 0, work: { state: 'open' } });
      return true;
    } catch (error) {
      if (isRewindError(error, 'JOURNAL_CONFLICT')) return false;
      throw error;
    }
  }

  /** Appends a request on a run not driven here; see `remote-requests.ts`. */
  request(runId: string, event: SagaEvent, operation: string): Promise<RunState> {
    return requestRemotely(this.#retrying, runId, event, operation, this.#clock);
  }

  /**
   * The outcome `result()` resolves with: `local` (the run's waiters here) when it is driven
   * here, or, when it is not or stops being driven here, what its journal shows once it
   * settles (or after what is left of `timeoutMs`).
   *
   * @throws {@link EngineClosedError} when the engine closes first.
   */
  async result(runId: string, state: RunState, local: Promise<RunOutcome> | undefined, timeoutMs: number | undefined): Promise<RunOutcome> {
    const startedAt = this.#clock();
    let last = state;
    if (local !== undefined) {
      try {
        return await local;
      } catch (error) {
        if (isRewindError(error, 'SAGA_ENGINE_CLOSED')) throw error;
      }
      // The run left this worker (given up, lost, stopped by a store failure): follow it.
      last = (await loadRun(this.#retrying, runId))?.state ?? state;
    }
    const left = timeoutMs === undefined ? undefined : Math.max(0, timeoutMs - (this.#clock() - startedAt));
    return this.#results.wait(runId, last, left);
  }

  /** Run `outcome.runId` settled here: `result()` calls following it in the journal get it now. */
  settledHere(outcome: RunOutcome): void {
    this.#results.settled(outcome);
  }

  /**
   * The executor of run `runId` stopped because of `error`: the worker lets the run go,
   * releasing its lease (once the aborted calls had time to settle) unless it lost it.
   * True when the engine should report it as a fault: anything but a conflict with a
   * request another worker appended, or a transactional commit that rolled back when its
   * connection died. After those, whoever claims the run next goes on with it.
   */
  lost(runId: string, error: unknown): boolean {
    const why = this.#lostWhy.get(runId);
    this.#lostWhy.delete(runId);
    const lease = this.#table.remove(runId);
    this.#cancels.forget(runId);
    if (this.#cancels.takeInterrupted(runId)) {
      // Stopped for a cancel from another process: no fault, and the run goes to whoever claims it.
      if (lease !== undefined) this.#track(this.#releaseLater(lease));
      return false;
    }
    if (why !== undefined || isFencedWrite(error)) return true;
    if (lease !== undefined) this.#track(this.#releaseLater(lease));
    return !isRewindError(error, 'JOURNAL_CONFLICT') && !(error instanceof TransactionNotCommittedError);
  }

  /**
   * Stops claiming and following runs, and releases every lease still held (after the
   * engine stopped its executors), so other workers take the runs over at once.
   */
  async close(closed: (runId: string) => Error): Promise<void> {
    this.#cancels.stop();
    await this.#claims.stop();
    await this.#heartbeat.stop();
    this.calls.abandonAll(new Error('the engine is closing'));
    this.#results.close(closed);
    await Promise.allSettled([...this.#background]);
    const leases = this.#table.entries().map(([, lease]) => lease);
    for (const [runId] of this.#table.entries()) this.#table.remove(runId);
    if (leases.length > 0) await this.#coordination.release(leases).catch(() => undefined);
  }

  async #claim(limit: number): Promise<number> {
    if (!this.#engine.isOpen()) return 0;
    const sentAt = this.#clock();
    const leases = await this.#coordination.claim({ owner: this.id, prefix: RUN_STREAM_PREFIX, limit, ttlMs: this.#options.leaseTtlMs, exclude: this.#excluded(sentAt) });
    for (const lease of leases) this.#table.add(runIdOf(lease), lease, sentAt);
    if (leases.length > 0) this.#heartbeat.start();
    this.#adopting += leases.length;
    await Promise.all(leases.map((lease) => this.#takeUp(lease)));
    return leases.length;
  }

  /** Starts driving a claimed run, or keeps its lease without driving it when it cannot be driven. */
  async #takeUp(lease: Lease): Promise<void> {
    const runId = runIdOf(lease);
    try {
      if (!this.#engine.isOpen() || this.#engine.driven(runId) !== undefined) {
        this.#table.remove(runId);
        await this.#coordination.release([lease]);
        return;
      }
      const loaded = await loadRun(this.#retrying, runId);
      // An ended run's work should have been marked done; an untrusted journal is noted stuck
      // (see distrust). Either way no worker should take the run up again: its work is done.
      if (loaded === undefined || (loaded.error === undefined && isEnded(loaded.state))) return await this.finish(runId);
      if (loaded.error !== undefined) await this.#engine.distrust(runId, loaded.error);
      else if (!this.#engine.registered(loaded.state)) await this.#passOver(lease, loaded.state);
      else this.#engine.adopt(loaded.state);
    } catch {
      // It could not be read (the store stayed down): let it go for another try.
      if (this.#table.remove(runId) !== undefined) await this.#coordination.release([lease]).catch(() => undefined);
    } finally {
      this.#adopting--;
    }
  }

  /**
   * Marks run `runId`'s work done and ends its lease, if this worker holds it: a run whose
   * journal cannot be trusted is never resumed by an engine, so no worker should hold it or
   * claim it again. If the store cannot be reached the lease lapses instead, and whoever
   * claims the run next finds the same.
   */
  async finish(runId: string): Promise<void> {
    const lease = this.#table.remove(runId);
    this.#cancels.forget(runId);
    if (lease !== undefined) await this.#coordination.finish([lease]).catch(() => undefined);
  }

  /** Hands back a run this worker cannot drive (its saga version is not registered here); the release wakes the other workers. */
  async #passOver(lease: Lease, state: RunState): Promise<void> {
    const { runId, saga, version, status } = state;
    this.#passedOver.set(runId, { until: this.#clock() + PASS_OVER_MS, run: { runId, saga, version, status } });
    this.#table.remove(runId);
    await this.#coordination.release([lease]);
  }

  /** The streams of the runs still passed over at `now`; forgets the others, so they are looked at again. */
  #excluded(now: number): string[] {
    const streams: string[] = [];
    for (const [runId, { until }] of this.#passedOver) {
      if (until > now) streams.push(runStream(runId));
      else this.#passedOver.delete(runId);
    }
    return streams;
  }

  /** Gives up `run` (it waits until `until`, or is stuck): stops it, releases its lease, and claims again when it is due. */
  #giveUp(run: DrivenRun, until: number): void {
    this.#engine.forget(run.runId, run);
    this.#cancels.forget(run.runId);
    this.#track((async () => {
      await run.stop();
      const lease = this.#table.remove(run.runId);
      if (lease !== undefined) await this.#coordination.release([lease]).catch(() => undefined);
      if (Number.isFinite(until)) this.#claims.wakeAt(until);
      this.#claims.wake();
    })());
  }

  /** The heartbeat gave up the leases on `runIds`: their executors stop at once. */
  #leasesLost(runIds: readonly string[], why: string): void {
    for (const runId of runIds) {
      const run = this.#engine.driven(runId);
      if (run === undefined) continue;
      this.#lostWhy.set(runId, why);
      run.interrupt(new CanceledError({ scope: runStream(runId), cause: `this worker lost its lease on the run: ${why}` }));
    }
  }

  /** Releases `lease` once the aborted calls of its stopped executor have had time to settle. */
  async #releaseLater(lease: Lease): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.#graceMs));
    await this.#coordination.release([lease]).catch(() => undefined);
    this.#claims.wake();
  }

  #track(work: Promise<unknown>): void {
    const tracked = work.catch(() => undefined);
    this.#background.add(tracked);
    void tracked.finally(() => this.#background.delete(tracked));
  }
}
