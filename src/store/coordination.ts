/**
 * Coordination between workers that share one store (several processes, several
 * machines): which streams are work to do, who holds each (a lease with a fencing token),
 * and a wake-up when work becomes claimable. Spoken in journal terms, not saga terms: the
 * saga engine maps a run to a stream and a retry wait to a `dueAt`.
 *
 * Only stores whose capabilities say `multiProcess` provide it (PostgreSQL); a journal on
 * any other store has no `coordination` and one process owns every stream.
 *
 * @module
 */
import type { Disposable } from '../internal/event.js';
import type { AppendResult, NewRecord } from './records.js';

/**
 * A worker's hold on a stream. The `token` grows every time the stream is claimed, so an
 * append carrying an older token (a worker that was paused past its lease and lost it)
 * is refused with `FencedWriteError`: only the current holder writes.
 */
export interface Lease {
  /** The stream held. */
  readonly stream: string;
  /** Who holds it: the worker id given to `claim`. */
  readonly owner: string;
  /** The fencing token, at least 1. */
  readonly token: number;
  /** When the lease lapses unless renewed; another worker may claim the stream after it. */
  readonly expiresAt: Date;
}

/**
 * The work entry of a stream, changed in the same transaction as an append (see
 * `AppendOptions.work`).
 *
 * - `open`: the stream is work; a worker may claim it once `dueAt` has passed (at once
 *   when left out). With `claimFor`, the append itself claims it (the writer starts the
 *   work it creates); only on a new stream (`expectedSeq: 0`).
 * - `done`: the stream needs no more work; it is not claimed again unless reopened. Its
 *   lease ends with it (the token stays, so the holder is fenced from then on).
 */
export type WorkUpdate =
  | {
      readonly state: 'open';
      readonly dueAt?: Date | undefined;
      readonly claimFor?: { readonly owner: string; readonly ttlMs: number } | undefined;
    }
  | { readonly state: 'done' };

/** Options of {@link JournalCoordination.claim}. */
export interface ClaimOptions {
  /** The claiming worker's id, unique per worker process (e.g. `host:pid:random`). */
  readonly owner: string;
  /** Only streams whose name starts with this. */
  readonly prefix: string;
  /** The most streams to claim. */
  readonly limit: number;
  /** How long the leases last unless renewed, in ms. */
  readonly ttlMs: number;
  /**
   * Streams not to claim, though due and unheld: ones this worker took and handed back
   * because it cannot do their work (a saga version it does not have), so that workers
   * that can get them rather than this one again.
   */
  readonly exclude?: readonly string[] | undefined;
}

/** What {@link JournalCoordination.renew} found. */
export interface RenewResult {
  /** The leases still held, with their new expiry. */
  readonly renewed: Lease[];
  /** The streams whose lease was lost (taken over after it lapsed): stop writing to them. */
  readonly lost: string[];
}

/** A stream's work entry as the store keeps it, read by {@link JournalCoordination.inspect}. */
export interface WorkEntry {
  readonly stream: string;
  /** `open`: work that a worker drives or may claim; `done`: no more work. */
  readonly state: 'open' | 'done';
  /**
   * Who holds the stream, with its token and when the lease lapses unless renewed (which
   * may have passed: compare with `readAt`); `undefined` when no worker holds it.
   */
  readonly lease: Lease | undefined;
  /** The token of the latest claim, held or not: the next claim raises it. */
  readonly token: number;
  /** When an open stream may be claimed (a wake-up time; one in the past, or none, means at once). */
  readonly dueAt: Date | undefined;
  /** The store's time when it read the entry, to compare `lease.expiresAt` and `dueAt` with. */
  readonly readAt: Date;
}

/** A database client inside a transaction, as a transactional step receives it. */
export interface TransactionClient {
  /** Runs one statement in the transaction; values are bound, never spliced. */
  query<Row = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/** What `build` of {@link JournalCoordination.appendInTransaction} may return: the records, and a change of the stream's work entry (as `AppendOptions.work`). */
export interface TransactionalRecords {
  readonly records: readonly NewRecord[];
  readonly work?: WorkUpdate | undefined;
}

/** Options of {@link JournalCoordination.appendInTransaction}. */
export interface TransactionalAppendOptions {
  /** As `AppendOptions.expectedSeq`. */
  readonly expectedSeq?: number | undefined;
  /** As `AppendOptions.lease`. */
  readonly lease?: Lease | undefined;
}

/**
 * The coordination primitives of a multi-process store.
 */
export interface JournalCoordination {
  /**
   * Claims up to `limit` streams that are `open`, due, and not held (never leased, released,
   * or with a lapsed lease), without waiting on rows another worker is claiming
   * (`FOR UPDATE SKIP LOCKED`). Each claim raises the stream's token.
   * @throws {@link StoreUnavailableError}
   */
  claim(options: ClaimOptions): Promise<Lease[]>;
  /**
   * Extends the leases still held by their owner and token by `ttlMs`; reports the lost.
   * @throws {@link StoreUnavailableError}
   */
  renew(leases: readonly Lease[], ttlMs: number): Promise<RenewResult>;
  /**
   * Gives leases up at once, so another worker may claim the streams (a graceful close).
   * A lease no longer held is ignored.
   * @throws {@link StoreUnavailableError}
   */
  release(leases: readonly Lease[]): Promise<void>;
  /**
   * Marks the work of the leased streams done and ends the leases, for those still held
   * (others are ignored): work no worker should take up, such as a run whose journal cannot
   * be trusted. Unlike `release`, nothing is woken and the streams are not claimable
   * afterwards, until an append reopens their work. The token stays, so a holder is fenced.
   * @throws {@link StoreUnavailableError}
   */
  finish(leases: readonly Lease[]): Promise<void>;
  /**
   * Calls `listener` soon after work may have become claimable anywhere in the store (a new
   * open stream, a release, a wake-up time set), so idle workers need not poll tightly.
   * When an append opened the work, `stream` names it, so the worker holding that stream
   * learns that another process wrote to it (a request such as a cancel); it is `undefined`
   * for a release and when the store cannot say. Delivery is best effort: workers still
   * poll as a fallback.
   */
  onWork(listener: (stream: string | undefined) => void): Disposable;
  /**
   * The work entries of `streams` (those that have one, in name order): whether each is
   * work, who holds it and until when. Reads only; for operators and tools (`rewind show`).
   * @throws {@link InvalidArgumentError} when `streams` is not an array of stream names
   * @throws {@link StoreUnavailableError}
   */
  inspect(streams: readonly string[]): Promise<WorkEntry[]>;
  /**
   * Runs `build` in a database transaction and appends the records it returns to `stream`
   * in the same transaction: the writes `build` made commit if and only if the records do.
   * `build` may return `{ records, work }` instead, to change the stream's work entry in the
   * same transaction too (known only once `build` has run, so not an option). Not
   * group-committed with other appends. A conflict, a lost lease or a throw from `build`
   * rolls everything back.
   * @throws {@link JournalConflictError}, {@link FencedWriteError}, {@link StoreUnavailableError}, or what `build` throws
   * @throws {@link InvalidArgumentError} when what `build` returned is not valid (rolled back)
   */
  appendInTransaction(
    stream: string,
    build: (tx: TransactionClient) => Promise<readonly NewRecord[] | TransactionalRecords>,
    options?: TransactionalAppendOptions,
  ): Promise<AppendResult>;
}
