/**
 * The adapter contract every journal store implements: small, batch-oriented and spoken in
 * journal terms, not SQL. The runtime wrapper (`runtime-store.ts`) owns everything that is
 * the same for every store (validation, group commit, periodic sync, close-once), so an
 * adapter is a thin translation to its database.
 *
 * @module
 */
import { InvalidArgumentError } from '../errors.js';
import type { ClaimOptions, Lease, RenewResult, TransactionClient, WorkEntry, WorkUpdate } from './coordination.js';
import type { Durability } from './durability.js';
import type { Disposable } from '../internal/event.js';
import type { StoredRecord, StreamInfo } from './records.js';
import type { StoreWarning } from './warnings.js';

/**
 * What a store can do beyond the contract's required methods. Callers branch on these
 * flags, never on the store's class; an adapter leaves out what it does not support and the
 * documented default applies.
 */
export interface StoreCapabilities {
  /**
   * The store can hand a saga step a database transaction whose writes commit together with
   * the step's journal record, so the step's effect happens exactly once.
   * @default false
   */
  readonly transactionalSteps: boolean;
  /**
   * Several processes, on one or several machines, may append to the store at the same time
   * and coordinate through it (leases, fencing). SQLite says `false`: other processes may
   * read its file, but one writing process is the supported setup.
   * @default false
   */
  readonly multiProcess: boolean;
  /**
   * The store can claim work without waiting on rows another worker holds (PostgreSQL's
   * `FOR UPDATE SKIP LOCKED`).
   * @default false
   */
  readonly skipLocked: boolean;
}

/** The capabilities of a store that declares none. */
export const DEFAULT_STORE_CAPABILITIES: StoreCapabilities = Object.freeze({
  transactionalSteps: false,
  multiProcess: false,
  skipLocked: false,
});

/** A record ready to store: validated, with its data already serialised to JSON text. */
export interface EncodedRecord {
  /** The record's type tag, a non-empty string. */
  readonly type: string;
  /** `JSON.stringify` of the record's data, or `undefined` for a record without data. */
  readonly data: string | undefined;
}

/** One append within a batch. */
export interface AppendRequest {
  /** The stream to append to, a non-empty string. */
  readonly stream: string;
  /** The records to append, at least one, in order. */
  readonly records: readonly EncodedRecord[];
  /** The stream's last sequence number the writer saw (0: the stream must not exist yet); `undefined` appends unconditionally. */
  readonly expectedSeq: number | undefined;
  /** The commit time to record on each record and on the stream. */
  readonly at: Date;
  /**
   * The writer's lease (multi-process stores only): unless it is still the stream's
   * current lease (same token and owner, checked under a lock on the work row), the
   * request writes nothing and yields a `fenced` outcome.
   */
  readonly lease?: Lease | undefined;
  /** The stream's work entry to set in the same transaction (multi-process stores only); see {@link WorkUpdate}. */
  readonly work?: WorkUpdate | undefined;
}

/**
 * What became of one {@link AppendRequest} of a batch.
 *
 * - `appended`: written; `lease` is set when the request's `work.claimFor` claimed the stream.
 * - `conflict`: `expectedSeq` did not match; nothing written.
 * - `fenced`: `lease` is no longer the stream's current lease; nothing written.
 *   `currentToken` is the stream's token now (0 when it never had a work entry) and `owner`
 *   its holder (`null` when released or never claimed).
 */
export type AppendOutcome =
  | { readonly status: 'appended'; readonly firstSeq: number; readonly lastSeq: number; readonly lease?: Lease | undefined }
  | { readonly status: 'conflict'; readonly actualSeq: number }
  | { readonly status: 'fenced'; readonly currentToken: number; readonly owner: string | null };

/**
 * The coordination primitives of a multi-process store, as the runtime calls them: inputs
 * already validated, records already encoded. The runtime turns them into the public
 * `JournalCoordination` (errors with the store's URL, closed checks).
 */
export interface StoreCoordination {
  /** See `JournalCoordination.claim`. */
  claim(options: ClaimOptions): Promise<Lease[]>;
  /** See `JournalCoordination.renew`. */
  renew(leases: readonly Lease[], ttlMs: number): Promise<RenewResult>;
  /** See `JournalCoordination.release`. */
  release(leases: readonly Lease[]): Promise<void>;
  /** See `JournalCoordination.finish`. */
  finish(leases: readonly Lease[]): Promise<void>;
  /** See `JournalCoordination.onWork`. */
  onWork(listener: (stream: string | undefined) => void): Disposable;
  /** See `JournalCoordination.inspect`; `streams` are checked names, at least one. */
  inspect(streams: readonly string[]): Promise<WorkEntry[]>;
  /**
   * Begins a transaction, runs `build`, then appends the records it returns as one
   * {@link AppendRequest} (`expectedSeq` and `lease` checked as in a batch, with the work
   * update it returns) and commits.
   * Any outcome but `appended`, and any throw, rolls everything back.
   * @throws what `build` throws, unchanged; `StoreUnavailableError` for the store's own failures
   */
  appendInTransaction(
    stream: string,
    build: (tx: TransactionClient) => Promise<{ readonly records: readonly EncodedRecord[]; readonly work: WorkUpdate | undefined }>,
    options: { readonly expectedSeq: number | undefined; readonly lease: Lease | undefined },
  ): Promise<AppendOutcome>;
}

/** Which records of a stream to read. */
export interface ReadRange {
  /** The first sequence number to return, at least 1. */
  readonly fromSeq: number;
  /** The most records to return; `undefined` for all. */
  readonly limit: number | undefined;
}

/** Which streams to list. */
export interface StreamFilter {
  /** Only streams whose name starts with this string (case-sensitive); `undefined` for all. */
  readonly prefix: string | undefined;
}

/** What the runtime tells a store when it opens it. */
export interface StoreOpenContext {
  /** The durability policy appends must honour; see {@link Durability}. */
  readonly durability: Durability;
  /** Where to report repairs made on open (a torn tail cut). */
  readonly onWarning: (warning: StoreWarning) => void;
}

/**
 * A journal store: durable, append-only streams of records with gap-free sequence numbers.
 *
 * Implementations are wrapped once by `openStore()`, which validates input, batches
 * concurrent appends and guards the lifecycle; they may assume that inputs are valid, that
 * `open` is called once before anything else, that `appendBatch` calls never overlap one
 * another (reads may run beside a batch) and that `close` is called once, last.
 *
 * Errors: classify driver errors once, here, into `StoreUnavailableError` (with
 * `retryable`), `StoreFormatError` or `JournalCorruptError`, by error code and never by
 * message text.
 */
export interface JournalStore {
  /** A display URL for messages, e.g. `sqlite:/srv/app/rewind.db`. Never contains a password. */
  readonly url: string;
  /** What the store can do; missing flags take their defaults ({@link DEFAULT_STORE_CAPABILITIES}). */
  readonly capabilities?: Partial<StoreCapabilities> | undefined;
  /**
   * Leases, fencing and wake-ups, on stores whose capabilities say `multiProcess`; used
   * only between `open` and `close`. A store with it must also honour `lease` and `work`
   * in {@link AppendRequest}s.
   */
  readonly coordination?: StoreCoordination | undefined;
  /**
   * Connects, refuses data that is not a journal or is newer than the code, applies pending
   * migrations and cuts torn tails (reporting each through `context.onWarning`). On failure
   * it releases whatever it acquired, so that `open` may be tried again.
   * @throws StoreFormatError, StoreSchemaVersionError, StoreUnavailableError, StoreDriverMissingError
   */
  open(context: StoreOpenContext): Promise<void>;
  /**
   * Commits every request in ONE transaction, in order: a request sees the requests before
   * it in the same batch. A request whose `expectedSeq` does not match its stream writes
   * nothing and yields a `conflict` outcome without affecting the others. Resolves with one
   * outcome per request, once the batch is as durable as the policy given to `open` demands
   * (under `always`: on stable storage). If it rejects, nothing of the batch was written.
   * @throws StoreUnavailableError
   */
  appendBatch(requests: readonly AppendRequest[]): Promise<AppendOutcome[]>;
  /**
   * Reads a stream's records in sequence order, verifying each one's integrity. An unknown
   * stream reads as empty.
   * @throws JournalCorruptError naming the stream and sequence number of a damaged record
   * @throws StoreUnavailableError
   */
  read(stream: string, range: ReadRange): Promise<StoredRecord[]>;
  /**
   * Lists streams in name order.
   * @throws StoreUnavailableError
   */
  listStreams(filter: StreamFilter): Promise<StreamInfo[]>;
  /**
   * Makes every batch committed so far durable on stable storage. Called periodically under
   * the `interval` policy; a store whose commits are always durable leaves it out.
   * @throws StoreUnavailableError
   */
  sync?(): Promise<void>;
  /** Flushes and releases the connection or file. */
  close(): Promise<void>;
}

/** The methods every {@link JournalStore} must have. */
const REQUIRED_METHODS = ['open', 'appendBatch', 'read', 'listStreams', 'close'] as const;

/**
 * Checks that a user-supplied object has the shape of a {@link JournalStore}, so that a
 * wrong object fails at `openStore()` with a clear message rather than deep inside an append.
 *
 * @throws {@link InvalidArgumentError} naming the missing members.
 */
export function assertJournalStore(value: unknown, path: string): asserts value is JournalStore {
  const expected = `a store URL string or a JournalStore (with url, ${REQUIRED_METHODS.join(', ')})`;
  if (typeof value !== 'object' || value === null) {
    throw new InvalidArgumentError({ path, expected, got: value });
  }
  const record = value as Record<string, unknown>;
  const missing: string[] = REQUIRED_METHODS.filter((name) => typeof record[name] !== 'function');
  if (typeof record['url'] !== 'string') missing.unshift('url');
  if (record['sync'] !== undefined && typeof record['sync'] !== 'function') missing.push('sync');
  if (missing.length > 0) {
    throw new InvalidArgumentError({ path, expected, got: `an object without ${missing.join(', ')}` });
  }
}

/** The capabilities of `store`, with defaults filled in. */
export function resolveCapabilities(store: JournalStore): StoreCapabilities {
  return Object.freeze({ ...DEFAULT_STORE_CAPABILITIES, ...store.capabilities });
}
