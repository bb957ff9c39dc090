/**
 * The public face of a journal: what `openStore()` returns.
 *
 * @module
 */
import type { Duration } from '../internal/duration.js';
import type { StoreCapabilities } from './contract.js';
import type { JournalCoordination, Lease, WorkUpdate } from './coordination.js';
import type { Durability } from './durability.js';
import type { AppendResult, NewRecord, StoredRecord, StreamInfo } from './records.js';
import type { StoreWarning } from './warnings.js';

/** Options of `openStore()`. */
export interface OpenStoreOptions {
  /**
   * When an append resolves, and what a crash can take back: see {@link Durability}.
   * @default 'always'
   */
  durability?: Durability | undefined;
  /**
   * How often the `interval` policy fsyncs; refused with any other policy.
   * @default 1000 (ms)
   */
  syncInterval?: Duration | undefined;
  /**
   * Receives repairs made on open (a torn tail cut) and failed periodic syncs. Without it,
   * warnings go to `process.emitWarning`, so they are never silent.
   */
  onWarning?: ((warning: StoreWarning) => void) | undefined;
}

/** Options of {@link Journal.append}. */
export interface AppendOptions {
  /**
   * The stream's last sequence number the writer saw; 0 means the stream must be new. On a
   * mismatch the append rejects with `JournalConflictError` and writes nothing. Leave it
   * out to append unconditionally.
   */
  expectedSeq?: number | undefined;
  /**
   * The writer's lease on the stream (multi-process stores): the append is refused with
   * `FencedWriteError` and writes nothing unless it is still the stream's current lease.
   */
  lease?: Lease | undefined;
  /** Changes the stream's work entry in the same transaction (multi-process stores). */
  work?: WorkUpdate | undefined;
}

/** Options of {@link Journal.read}. */
export interface ReadOptions {
  /**
   * The first sequence number to return.
   * @default 1
   */
  fromSeq?: number | undefined;
  /** The most records to return; all when left out. */
  limit?: number | undefined;
}

/** Options of {@link Journal.streams}. */
export interface StreamsOptions {
  /** Only streams whose name starts with this string (case-sensitive). */
  prefix?: string | undefined;
}

/**
 * Counters of a journal's work since it was opened. `commits` below `appends` is group
 * commit at work: several appends shared one transaction (and, under `always`, one fsync).
 */
export interface JournalStats {
  /** Appends committed (conflicts not counted). */
  readonly appends: number;
  /** Records committed. */
  readonly records: number;
  /** Transactions committed: one per batch of concurrent appends. */
  readonly commits: number;
  /** Appends rejected because their `expectedSeq` did not match. */
  readonly conflicts: number;
  /** Appends rejected with `FencedWriteError`: their lease was no longer the stream's current one. */
  readonly fenced: number;
  /** The most appends that shared one transaction. */
  readonly largestBatch: number;
  /** Periodic syncs done by the `interval` policy. */
  readonly syncs: number;
}

/**
 * A durable journal: named streams of records with 1-based, per-stream, gap-free sequence
 * numbers. Concurrent appends, to one stream or many, are committed together in one
 * transaction and one sync (group commit).
 *
 * Obtain one with `openStore()`; close it with `close()` or `await using`.
 */
export interface Journal {
  /** The store's display URL, e.g. `sqlite:/srv/app/rewind.db` (never with a password). */
  readonly url: string;
  /** The durability policy appends honour. */
  readonly durability: Durability;
  /**
   * What the store under the journal can do (transactional saga steps, several writing
   * processes, skip-locked claims), so a caller can choose before it relies on one.
   */
  readonly capabilities: StoreCapabilities;
  /**
   * Appends records to a stream, numbering them after its last record. `expectedSeq` is
   * the last seq the writer saw (0: the stream must be new); a mismatch rejects with
   * `JournalConflictError` and writes nothing. Resolves only when the records are as
   * durable as the policy promises. Input is checked before anything is written.
   * @throws {@link InvalidArgumentError} when the stream, a record or an option is not valid
   * @throws {@link JournalConflictError} when `expectedSeq` does not match the stream
   * @throws {@link StoreClosedError} after `close()`
   * @throws {@link StoreUnavailableError} when the store cannot write now (see `retryable`)
   */
  append(stream: string, records: readonly NewRecord[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Reads a stream's records in sequence order; an unknown stream reads as empty.
   * @throws {@link InvalidArgumentError} when the stream or an option is not valid
   * @throws {@link JournalCorruptError} when a record fails its checksum
   * @throws {@link StoreClosedError} after `close()`
   * @throws {@link StoreUnavailableError} when the store cannot read now
   */
  read(stream: string, options?: ReadOptions): Promise<StoredRecord[]>;
  /**
   * Lists streams in name order, with their last sequence number.
   * @throws {@link InvalidArgumentError} when the prefix is not a string
   * @throws {@link StoreClosedError} after `close()`
   * @throws {@link StoreUnavailableError} when the store cannot read now
   */
  streams(options?: StreamsOptions): Promise<StreamInfo[]>;
  /**
   * Leases, fencing and wake-ups for several workers on one store; `undefined` on stores
   * one process owns (SQLite).
   */
  readonly coordination?: JournalCoordination | undefined;
  /** Counters since open; see {@link JournalStats}. */
  stats(): JournalStats;
  /**
   * Stops accepting calls, commits the appends already accepted, syncs (under `interval`)
   * and releases the store. Calling it again returns the same promise.
   */
  close(): Promise<void>;
  /** Same as {@link Journal.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}
