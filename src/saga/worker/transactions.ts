/**
 * Transactional steps: a step's function runs in a database transaction that also appends
 * the step's success, so its writes commit if and only if the success is recorded.
 *
 * The transaction is begun when the call starts (`appendInTransaction`, expecting the run's
 * journal to be where the call's `*-started` record left it) and stays open after the
 * function returned, until the run's executor makes its next append: that append, which
 * holds the call's success record, is committed through the transaction instead of the
 * group commit. Meanwhile the executor appends nothing else for the run (the call is
 * `exclusive`), so the transaction's `expectedSeq` still holds when it commits. If the
 * executor records anything else instead (the call failed, timed out, or the executor
 * stopped), the transaction is abandoned and rolls back.
 *
 * @module
 */
import type { JsonValue } from '../../internal/json.js';
import type { AppendOptions, AppendResult, Journal, NewRecord } from '../../store/index.js';
import type { JournalCoordination, Lease, TransactionalRecords, TransactionClient, WorkUpdate } from '../../store/coordination.js';
import { StoreUnsupportedError } from '../../store/errors.js';
import type { RunLease } from '../context.js';
import type { SagaDefinition } from '../definition.js';
import { runStream } from '../quarantine.js';
import type { RetryingJournal } from './retrying-journal.js';
import { isRetryableStoreError } from './store-retry.js';

/**
 * @internal A transactional call's commit failed and rolled back (its connection died before
 * the commit was acknowledged, and its records are not in the journal): nothing of it
 * happened. The run is handed over (see `SagaWorker.lost`); whoever takes it up records
 * the attempt as interrupted and retries it.
 */
export class TransactionNotCommittedError extends Error {
  override readonly name = 'TransactionNotCommittedError';

  constructor(stream: string, cause: unknown) {
    super(`The transaction of a transactional call on stream "${stream}" did not commit; the run is handed over and the attempt retried.`, { cause });
  }
}

/** The success record a transactional call commits with. */
export interface TransactionOutcome {
  readonly type: 'step-succeeded' | 'compensation-succeeded';
  readonly step: string;
  readonly attempt: number;
}

/** A transactional call in flight. */
export interface PendingTransaction {
  /** Settles with the function's value once it returned (the transaction still open), or rejects with why it failed (rolled back). */
  readonly value: Promise<unknown>;
  /** Rolls the transaction back, unless its commit has begun. Harmless when it has settled. */
  abandon(reason: unknown): void;
}

/** @internal What a step call needs from the engine's coordination: transactions and the run's lease. */
export interface CallCoordination {
  /** The lease the run is driven under here; `undefined` on a store one process owns. */
  leaseOf(runId: string): RunLease | undefined;
  /**
   * Runs `fn` in a transaction that commits with the run's next append, which must follow
   * seq `expectedSeq` and hold `outcome`; see the module documentation.
   */
  begin(runId: string, outcome: TransactionOutcome, expectedSeq: number, fn: (tx: TransactionClient) => Promise<unknown>): PendingTransaction;
}

/**
 * The typed refusal of a saga with transactional functions on a store without
 * transactions (`engine.start()` on SQLite).
 */
export function transactionsUnsupported(url: string, step: string, saga?: string): StoreUnsupportedError {
  const of = saga === undefined ? '' : ` of saga "${saga}"`;
  return new StoreUnsupportedError({
    url,
    feature: `Transactional steps (step "${step}"${of} runs in a database transaction)`,
    instead: 'Run the saga on a store with the transactionalSteps capability (PostgreSQL: openEngine({ store: "postgres://..." })), or give the step a run function instead.',
  });
}

/**
 * @throws {@link StoreUnsupportedError} when `definition` has a transactional function and
 * `journal` cannot run one (it has no coordination); nothing is written.
 */
export function assertTransactionsSupported(definition: SagaDefinition, journal: Journal): void {
  if (journal.coordination !== undefined) return;
  const step = definition.steps.find((s) => s.transactional !== undefined || s.transactionalCompensate !== undefined);
  if (step !== undefined) throw transactionsUnsupported(journal.url, step.name, definition.name);
}

/**
 * The coordination of calls on a store one process owns: no lease, no transactions (a run of
 * a transactional saga found at recovery fails its transactional attempts with the refusal).
 * `url` is read only then.
 */
export function singleProcessCalls(url: () => string): CallCoordination {
  return {
    leaseOf: () => undefined,
    begin: (_runId, outcome) => {
      const value = Promise.reject(transactionsUnsupported(url(), outcome.step));
      return { value, abandon: () => undefined };
    },
  };
}

/** `reason` as an Error, to reject with. */
function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** A deferred promise whose rejection nobody may be waiting for. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (reason: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** One transaction between its begin and its commit or rollback. */
class Pending implements PendingTransaction {
  readonly outcome: TransactionOutcome;
  readonly expectedSeq: number;
  #state: 'running' | 'ready' | 'committing' | 'abandoned' = 'running';
  #abandonedWith: unknown;
  readonly #value = deferred<unknown>();
  readonly #records = deferred<TransactionalRecords>();
  work: Promise<AppendResult> | undefined;

  constructor(outcome: TransactionOutcome, expectedSeq: number) {
    this.outcome = outcome;
    this.expectedSeq = expectedSeq;
  }

  get value(): Promise<unknown> {
    return this.#value.promise;
  }

  get ready(): boolean {
    return this.#state === 'ready';
  }

  get abandoned(): boolean {
    return this.#state === 'abandoned';
  }

  /** Inside the transaction: the function returned `value`; waits for the records (and work update) to commit. */
  returned(value: unknown): Promise<TransactionalRecords> {
    if (this.#state === 'abandoned') return Promise.reject(toError(this.#abandonedWith));
    this.#state = 'ready';
    this.#value.resolve(value);
    return this.#records.promise;
  }

  /** The transaction failed before the function's value could be committed. */
  failed(error: unknown): void {
    this.#value.reject(error);
  }

  abandon(reason: unknown): void {
    if (this.#state === 'committing' || this.#state === 'abandoned') return;
    this.#state = 'abandoned';
    this.#abandonedWith = reason;
    this.#records.reject(reason);
    this.#value.reject(reason);
  }

  /** Commits `records`, with the change of the run's work entry, through the transaction. */
  commit(records: readonly NewRecord[], work: WorkUpdate | undefined): Promise<AppendResult> {
    this.#state = 'committing';
    this.#records.resolve({ records, work });
    return this.work!;
  }
}

/** True when `record` is the success record `outcome` names. */
function recordsOutcome(record: NewRecord, outcome: TransactionOutcome): boolean {
  if (record.type !== outcome.type) return false;
  const data = record.data as { readonly [key: string]: JsonValue | undefined } | undefined;
  return data?.['step'] === outcome.step && data['attempt'] === outcome.attempt;
}

/** @internal The transactional calls of a worker's runs, by run stream, and the appends that commit them. */
export class RunTransactions implements CallCoordination {
  readonly #journal: RetryingJournal;
  readonly #coordination: JournalCoordination;
  readonly #leases: (runId: string) => Lease | undefined;
  readonly #pending = new Map<string, Pending>();
  readonly #max: number;
  /** Transactions begun and not settled: each holds a connection of the store's pool. */
  #open = 0;
  /** Calls waiting for one of the `#max` transactions, oldest first. */
  readonly #queue: (() => void)[] = [];

  /**
   * Transactions on `journal`, whose `coordination` they use, under the leases `leases`
   * finds, at most `max` at a time. A transaction holds a connection of the store's pool
   * from its function's start until the run's next append commits it; with every
   * connection held that way, the appends, claims and lease renewals of all other runs
   * would wait, and leases would lapse. Calls beyond `max` wait for a transaction to end,
   * holding nothing.
   */
  constructor(journal: RetryingJournal, coordination: JournalCoordination, leases: (runId: string) => Lease | undefined, max: number) {
    this.#journal = journal;
    this.#coordination = coordination;
    this.#leases = leases;
    this.#max = max;
  }

  leaseOf(runId: string): RunLease | undefined {
    const lease = this.#leases(runId);
    return lease === undefined ? undefined : { owner: lease.owner, token: lease.token };
  }

  begin(runId: string, outcome: TransactionOutcome, expectedSeq: number, fn: (tx: TransactionClient) => Promise<unknown>): PendingTransaction {
    const stream = runStream(runId);
    const pending = new Pending(outcome, expectedSeq);
    this.#pending.get(stream)?.abandon(new Error('a newer transactional call of the run began'));
    this.#pending.set(stream, pending);
    const launch = (): void => {
      const lease = this.#leases(runId);
      if (pending.abandoned || lease === undefined) {
        // Abandoned while it waited (timed out, the run stopped), or the lease was lost:
        // the append of its outcome will be fenced, and the run taken over.
        pending.failed(new Error(`Run "${runId}" is no longer held by this worker; its transactional call did not start.`));
        this.#done(stream, pending);
        this.#next();
        return;
      }
      this.#open++;
      pending.work = this.#coordination.appendInTransaction(stream, async (tx) => pending.returned(await fn(tx)), { expectedSeq, lease });
      const ended = (): void => {
        this.#open--;
        this.#done(stream, pending);
        this.#next();
      };
      pending.work.then(ended, (error: unknown) => {
        pending.failed(error);
        ended();
      });
    };
    if (this.#open < this.#max) launch();
    else this.#queue.push(launch);
    return pending;
  }

  #next(): void {
    if (this.#open < this.#max) this.#queue.shift()?.();
  }

  /**
   * Appends `records` to `stream` with `options`: through the run's open transaction when
   * they hold its success record (with the change of the run's work entry, in the same
   * commit), or with `append` after rolling back a transaction they do not commit.
   */
  async append(
    stream: string,
    records: readonly NewRecord[],
    options: AppendOptions,
    append: (records: readonly NewRecord[], options: AppendOptions) => Promise<AppendResult>,
  ): Promise<AppendResult> {
    const pending = this.#pending.get(stream);
    if (pending === undefined) return append(records, options);
    const at = pending.ready && options.expectedSeq === pending.expectedSeq ? records.findIndex((r) => recordsOutcome(r, pending.outcome)) : -1;
    if (at < 0) {
      pending.abandon(new Error('the run recorded something else than the success of its transactional call'));
      return append(records, options);
    }
    return pending.commit(records, options.work).catch((error: unknown) => this.#unknownOutcome(error, stream, records, pending.expectedSeq));
  }

  /** Abandons every open transaction (the worker is closing). */
  abandonAll(reason: unknown): void {
    for (const pending of this.#pending.values()) pending.abandon(reason);
  }

  /**
   * A commit that failed with a retryable error may have committed before the connection
   * died: it did when its records are in the journal.
   */
  async #unknownOutcome(error: unknown, stream: string, records: readonly NewRecord[], expectedSeq: number): Promise<AppendResult> {
    if (!isRetryableStoreError(error)) throw error;
    const found = await this.#journal.committed(stream, records, expectedSeq);
    if (found === undefined) throw new TransactionNotCommittedError(stream, error);
    return found;
  }

  #done(stream: string, pending: Pending): void {
    if (this.#pending.get(stream) === pending) this.#pending.delete(stream);
  }
}
