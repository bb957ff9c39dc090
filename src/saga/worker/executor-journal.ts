/**
 * The journal a worker's executors append through: every append goes by way of the run's
 * open transaction, when a transactional call of the run waits to commit with it (see
 * `transactions.ts`); everything else goes to the retrying journal underneath.
 *
 * @module
 */
import type { StoreCapabilities } from '../../store/contract.js';
import type { JournalCoordination } from '../../store/coordination.js';
import type { AppendOptions, AppendResult, Journal, JournalStats, NewRecord, ReadOptions, StoredRecord, StreamInfo, StreamsOptions } from '../../store/index.js';
import type { RetryingJournal } from './retrying-journal.js';
import type { RunTransactions } from './transactions.js';

/** @internal The journal executors append through: their appends go by way of the run's open transaction, if any. */
export class ExecutorJournal implements Journal {
  readonly #inner: RetryingJournal;
  readonly #transactions: RunTransactions;

  constructor(inner: RetryingJournal, transactions: RunTransactions) {
    this.#inner = inner;
    this.#transactions = transactions;
  }

  get url(): string {
    return this.#inner.url;
  }

  get durability(): Journal['durability'] {
    return this.#inner.durability;
  }

  get coordination(): JournalCoordination | undefined {
    return this.#inner.coordination;
  }

  get capabilities(): StoreCapabilities {
    return this.#inner.capabilities;
  }

  append(stream: string, records: readonly NewRecord[], options?: AppendOptions): Promise<AppendResult> {
    return this.#transactions.append(stream, records, options ?? {}, (r, o) => this.#inner.append(stream, r, o));
  }

  read(stream: string, options?: ReadOptions): Promise<StoredRecord[]> {
    return this.#inner.read(stream, options);
  }

  streams(options?: StreamsOptions): Promise<StreamInfo[]> {
    return this.#inner.streams(options);
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
}
