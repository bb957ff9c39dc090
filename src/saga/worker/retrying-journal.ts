/**
 * A journal that rides through a store that is briefly unavailable: the engine's appends,
 * reads and coordination calls are retried while they fail with a retryable
 * `StoreUnavailableError`, so a worker survives a killed connection or a database restart.
 *
 * An append that failed that way may still have committed (the connection died after the
 * commit was sent). Every append the engine makes names `expectedSeq`, so its retry cannot
 * write twice: it conflicts. A conflict after such a failure is resolved by reading the
 * stream back: when the records at `expectedSeq + 1` are the ones appended, the first try
 * committed and the append succeeded.
 *
 * @module
 */
import type { Disposable } from '../../internal/event.js';
import { isRewindError } from '../../errors.js';
import type {
  AppendOptions,
  AppendResult,
  Journal,
  JournalStats,
  NewRecord,
  ReadOptions,
  StoredRecord,
  StreamInfo,
  StreamsOptions,
} from '../../store/index.js';
import type {
  ClaimOptions,
  JournalCoordination,
  Lease,
  RenewResult,
  TransactionalAppendOptions,
  TransactionalRecords,
  TransactionClient,
  WorkEntry,
} from '../../store/coordination.js';
import { isRetryableStoreError, retryStore, type RetryHooks } from './store-retry.js';
import type { ResolvedStoreRetry } from './worker-options.js';

/**
 * True when `stored` are `records`, in order: same types, same data. The store keeps data as
 * the exact JSON text it was given, so comparing the texts compares the values.
 */
export function sameRecords(stored: readonly StoredRecord[], records: readonly NewRecord[]): boolean {
  return stored.length === records.length && records.every((record, i) => {
    const found = stored[i];
    return found !== undefined && found.type === record.type && JSON.stringify(found.data) === JSON.stringify(record.data);
  });
}

/**
 * @internal {@link Journal} over another, retrying what fails with a retryable store error
 * (see the module documentation). `stats()`, `close()` and the rest go to the inner journal.
 */
export class RetryingJournal implements Journal {
  readonly coordination: JournalCoordination | undefined;
  readonly #inner: Journal;
  readonly #policy: ResolvedStoreRetry;
  readonly #hooks: RetryHooks;

  constructor(inner: Journal, policy: ResolvedStoreRetry, hooks: RetryHooks = {}) {
    this.#inner = inner;
    this.#policy = policy;
    this.#hooks = hooks;
    this.coordination = inner.coordination === undefined ? undefined : new RetryingCoordination(inner.coordination, this);
  }

  get url(): string {
    return this.#inner.url;
  }

  get capabilities(): Journal['capabilities'] {
    return this.#inner.capabilities;
  }

  get durability(): Journal['durability'] {
    return this.#inner.durability;
  }

  // Not async: the common case (no failure) costs one `catch` handler, not a wrapper promise.
  append(stream: string, records: readonly NewRecord[], options?: AppendOptions): Promise<AppendResult> {
    return this.#inner.append(stream, records, options).catch((error: unknown) => this.#appendAgain(error, stream, records, options));
  }

  read(stream: string, options?: ReadOptions): Promise<StoredRecord[]> {
    return this.retry(() => this.#inner.read(stream, options));
  }

  streams(options?: StreamsOptions): Promise<StreamInfo[]> {
    return this.retry(() => this.#inner.streams(options));
  }

  stats(): JournalStats {
    return this.#inner.stats();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#inner.close();
  }

  /** Runs `operation` under the retry policy. */
  retry<T>(operation: () => Promise<T>): Promise<T> {
    return retryStore(operation, this.#policy, this.#hooks);
  }

  /**
   * Whether `records` were committed at `expectedSeq + 1` of `stream` by an append whose
   * outcome is unknown; the result it had, when they were.
   */
  async committed(stream: string, records: readonly NewRecord[], expectedSeq: number): Promise<AppendResult | undefined> {
    const stored = await this.read(stream, { fromSeq: expectedSeq + 1, limit: records.length });
    if (!sameRecords(stored, records)) return undefined;
    return { stream, firstSeq: expectedSeq + 1, lastSeq: expectedSeq + records.length };
  }

  async #appendAgain(first: unknown, stream: string, records: readonly NewRecord[], options: AppendOptions | undefined): Promise<AppendResult> {
    if (!isRetryableStoreError(first) || this.#policy === false) throw first;
    const startedAt = (this.#hooks.now ?? Date.now)();
    this.#hooks.onRetry?.(first, 0);
    return retryStore(async () => {
      try {
        return await this.#inner.append(stream, records, options);
      } catch (error) {
        // An earlier try may have committed: then this one conflicts, and the records are there.
        // Its lease (when it claimed) is unknown then; the caller treats a missing lease as lost.
        const expectedSeq = options?.expectedSeq;
        if (isRewindError(error, 'JOURNAL_CONFLICT') && expectedSeq !== undefined) {
          const found = await this.committed(stream, records, expectedSeq);
          if (found !== undefined) return found;
        }
        throw error;
      }
    }, this.#policy, this.#hooks, startedAt);
  }
}

/**
 * The coordination calls of a {@link RetryingJournal}: `claim` and `release` are retried
 * (a claim whose outcome was lost only leaves leases that lapse; a release is idempotent),
 * and so is `inspect`, which only reads; `renew` is not (the heartbeat calls it again soon,
 * and must see a failure in time to stop its runs); `appendInTransaction` is not (its
 * caller resolves an unknown outcome, see `transactions.ts`).
 */
class RetryingCoordination implements JournalCoordination {
  readonly #inner: JournalCoordination;
  readonly #journal: RetryingJournal;

  constructor(inner: JournalCoordination, journal: RetryingJournal) {
    this.#inner = inner;
    this.#journal = journal;
  }

  claim(options: ClaimOptions): Promise<Lease[]> {
    return this.#journal.retry(() => this.#inner.claim(options));
  }

  renew(leases: readonly Lease[], ttlMs: number): Promise<RenewResult> {
    return this.#inner.renew(leases, ttlMs);
  }

  release(leases: readonly Lease[]): Promise<void> {
    return this.#journal.retry(() => this.#inner.release(leases));
  }

  finish(leases: readonly Lease[]): Promise<void> {
    return this.#journal.retry(() => this.#inner.finish(leases));
  }

  onWork(listener: (stream: string | undefined) => void): Disposable {
    return this.#inner.onWork(listener);
  }

  inspect(streams: readonly string[]): Promise<WorkEntry[]> {
    return this.#journal.retry(() => this.#inner.inspect(streams));
  }

  appendInTransaction(
    stream: string,
    build: (tx: TransactionClient) => Promise<readonly NewRecord[] | TransactionalRecords>,
    options?: TransactionalAppendOptions,
  ): Promise<AppendResult> {
    return this.#inner.appendInTransaction(stream, build, options);
  }
}
