/**
 * The errors a journal can raise. Each names the store (its display URL, never a password)
 * and says what to do.
 *
 * @module
 */
import { RewindError } from '../errors.js';

/** Details of a {@link StoreDriverMissingError}. */
export interface StoreDriverMissingDetails {
  /** The npm package of the driver, e.g. `better-sqlite3`. */
  readonly driver: string;
  /** Whether the package is absent or is present but failed to load (a native build for another Node). */
  readonly reason: 'missing' | 'broken';
  /** The exact command that fixes it, e.g. `npm install better-sqlite3`. */
  readonly command: string;
  /** The loader's own error. */
  readonly cause?: unknown;
}

/**
 * The database driver a store URL needs is not installed, or cannot be loaded.
 *
 * The message carries the exact command to run (`npm install better-sqlite3`).
 */
export class StoreDriverMissingError extends RewindError {
  override readonly name = 'StoreDriverMissingError';
  readonly code = 'STORE_DRIVER_MISSING' as const;
  /** The npm package of the driver. */
  readonly driver: string;
  /** The command that installs or rebuilds it. */
  readonly command: string;

  constructor(details: StoreDriverMissingDetails) {
    const what = details.reason === 'missing' ? 'is not installed' : 'is installed but failed to load';
    super(
      `The store driver "${details.driver}" ${what}. Run: ${details.command}`,
      { driver: details.driver, reason: details.reason, command: details.command },
      details.cause,
    );
    this.driver = details.driver;
    this.command = details.command;
  }
}

/** Details of a {@link StoreClosedError}. */
export interface StoreClosedDetails {
  /** The display URL of the store. */
  readonly url: string;
  /** What was attempted: `append`, `read`, `streams`. */
  readonly operation: string;
}

/** A journal was used after `close()` began. Nothing was written. */
export class StoreClosedError extends RewindError {
  override readonly name = 'StoreClosedError';
  readonly code = 'STORE_CLOSED' as const;
  /** The display URL of the store. */
  readonly url: string;
  /** What was attempted. */
  readonly operation: string;

  constructor(details: StoreClosedDetails) {
    super(
      `Cannot ${details.operation}: the journal ${details.url} is closed. Open it again with openStore().`,
      { url: details.url, operation: details.operation },
    );
    this.url = details.url;
    this.operation = details.operation;
  }
}

/** Details of a {@link StoreSchemaVersionError}. */
export interface StoreSchemaVersionDetails {
  /** The display URL of the store. */
  readonly url: string;
  /** The schema version found in the store. */
  readonly found: number;
  /** The newest schema version this code knows. */
  readonly supported: number;
}

/**
 * The store was written by a newer version of Rewind than the one running. It is refused
 * untouched, because older code cannot know what the newer schema means.
 */
export class StoreSchemaVersionError extends RewindError {
  override readonly name = 'StoreSchemaVersionError';
  readonly code = 'STORE_SCHEMA_VERSION' as const;
  /** The display URL of the store. */
  readonly url: string;
  /** The schema version found. */
  readonly found: number;
  /** The newest schema version this code supports. */
  readonly supported: number;

  constructor(details: StoreSchemaVersionDetails) {
    super(
      `The journal ${details.url} has schema version ${details.found}, newer than the ${details.supported} this version of rewind supports. Upgrade rewind; nothing was written.`,
      { url: details.url, found: details.found, supported: details.supported },
    );
    this.url = details.url;
    this.found = details.found;
    this.supported = details.supported;
  }
}

/** Details of a {@link StoreUnavailableError}. */
export interface StoreUnavailableDetails {
  /** The display URL of the store. */
  readonly url: string;
  /** What was attempted: `open`, `append`, `read`, `streams`, `sync`, `close`. */
  readonly operation: string;
  /** True when the same call may succeed later (a lock held elsewhere, a dropped connection). */
  readonly retryable: boolean;
  /** The driver's error code, e.g. `SQLITE_BUSY`. */
  readonly driverCode: string;
  /** The driver's error. */
  readonly cause?: unknown;
}

/**
 * The store could not do its work right now: it is locked by another connection, the disk
 * is full or read-only, the connection dropped. Classified once in the adapter from the
 * driver's error code; check `retryable`, never the message.
 */
export class StoreUnavailableError extends RewindError {
  override readonly name = 'StoreUnavailableError';
  readonly code = 'STORE_UNAVAILABLE' as const;
  /** The display URL of the store. */
  readonly url: string;
  /** What was attempted. */
  readonly operation: string;
  /** True when the same call may succeed later. */
  readonly retryable: boolean;
  /** The driver's error code. */
  readonly driverCode: string;

  constructor(details: StoreUnavailableDetails) {
    const advice = details.retryable
      ? 'It may succeed if retried.'
      : 'Retrying will not help until the cause is fixed.';
    super(
      `The journal ${details.url} could not ${details.operation} (${details.driverCode}). ${advice}`,
      {
        url: details.url,
        operation: details.operation,
        retryable: details.retryable,
        driverCode: details.driverCode,
      },
      details.cause,
    );
    this.url = details.url;
    this.operation = details.operation;
    this.retryable = details.retryable;
    this.driverCode = details.driverCode;
  }
}

/** Details of a {@link StoreFormatError}. */
export interface StoreFormatDetails {
  /** The display URL of the store (for SQLite, `sqlite:` and the absolute file path). */
  readonly url: string;
  /** What is wrong, e.g. `it is not a SQLite database`. */
  readonly problem: string;
  /** The driver's error, when it found the problem. */
  readonly cause?: unknown;
}

/**
 * The file or database is not a Rewind journal (another program's data, random bytes) or is
 * damaged below the record level. It is refused and never written to.
 */
export class StoreFormatError extends RewindError {
  override readonly name = 'StoreFormatError';
  readonly code = 'STORE_FORMAT' as const;
  /** The display URL of the store. */
  readonly url: string;
  /** What is wrong. */
  readonly problem: string;

  constructor(details: StoreFormatDetails) {
    super(
      `Refusing to open ${details.url}: ${details.problem}. Nothing was written; check the path, or restore the file from a backup.`,
      { url: details.url, problem: details.problem },
      details.cause,
    );
    this.url = details.url;
    this.problem = details.problem;
  }
}

/** Details of a {@link JournalCorruptError}. */
export interface JournalCorruptDetails {
  /** The display URL of the store. */
  readonly url: string;
  /** The stream holding the damaged record. */
  readonly stream: string;
  /** The sequence number of the damaged (or missing) record. */
  readonly seq: number;
  /** What is wrong with it, e.g. `its checksum does not match`. */
  readonly problem: string;
}

/**
 * A record inside a stream fails its checksum, or is missing between two good ones. Unlike
 * a torn tail (cut on open with a warning), good records follow it, so it is never skipped:
 * reading on would replay a history with a hole in it.
 */
export class JournalCorruptError extends RewindError {
  override readonly name = 'JournalCorruptError';
  readonly code = 'JOURNAL_CORRUPT' as const;
  /** The display URL of the store. */
  readonly url: string;
  /** The stream holding the damaged record. */
  readonly stream: string;
  /** The sequence number of the damaged record. */
  readonly seq: number;

  constructor(details: JournalCorruptDetails) {
    super(
      `Record ${details.seq} of stream "${details.stream}" in ${details.url} is corrupt: ${details.problem}. Restore the journal from a backup.`,
      { url: details.url, stream: details.stream, seq: details.seq, problem: details.problem },
    );
    this.url = details.url;
    this.stream = details.stream;
    this.seq = details.seq;
  }
}

/** Details of a {@link JournalConflictError}. */
export interface JournalConflictDetails {
  /** The display URL of the store. */
  readonly url: string;
  /** The stream appended to. */
  readonly stream: string;
  /** The last sequence number the writer expected. */
  readonly expectedSeq: number;
  /** The stream's actual last sequence number. */
  readonly actualSeq: number;
}

/**
 * An append's `expectedSeq` did not match the stream: another writer appended first (or
 * the stream was expected to be new and is not). Nothing of that append was written.
 */
export class JournalConflictError extends RewindError {
  override readonly name = 'JournalConflictError';
  readonly code = 'JOURNAL_CONFLICT' as const;
  /** The display URL of the store. */
  readonly url: string;
  /** The stream appended to. */
  readonly stream: string;
  /** The last sequence number the writer expected. */
  readonly expectedSeq: number;
  /** The stream's actual last sequence number. */
  readonly actualSeq: number;

  constructor(details: JournalConflictDetails) {
    super(
      `Append to stream "${details.stream}" in ${details.url} expected last seq ${details.expectedSeq}, but the stream is at ${details.actualSeq}. Nothing was written; read the stream again and retry.`,
      {
        url: details.url,
        stream: details.stream,
        expectedSeq: details.expectedSeq,
        actualSeq: details.actualSeq,
      },
    );
    this.url = details.url;
    this.stream = details.stream;
    this.expectedSeq = details.expectedSeq;
    this.actualSeq = details.actualSeq;
  }
}

/** Details of a {@link StoreUnsupportedError}. */
export interface StoreUnsupportedDetails {
  /** The store URL with any password removed. */
  readonly url: string;
  /** What is not supported, e.g. `Leases and work entries (append options lease and work)`. */
  readonly feature: string;
  /** What to use instead. */
  readonly instead: string;
}

/**
 * The store cannot do what was asked: a kind of store this version of Rewind does not
 * provide, or an ability the store lacks (leases on a single-process SQLite store).
 * Nothing was written.
 */
export class StoreUnsupportedError extends RewindError {
  override readonly name = 'StoreUnsupportedError';
  readonly code = 'STORE_UNSUPPORTED' as const;
  /** The store URL with any password removed. */
  readonly url: string;
  /** What is not supported. */
  readonly feature: string;

  constructor(details: StoreUnsupportedDetails) {
    super(
      `${details.feature} are not supported by ${details.url}; nothing was written. ${details.instead}`,
      { url: details.url, feature: details.feature },
    );
    this.url = details.url;
    this.feature = details.feature;
  }
}

/** Details of a {@link FencedWriteError}. */
export interface FencedWriteDetails {
  /** The display URL of the store. */
  readonly url: string;
  /** The stream the append was for. */
  readonly stream: string;
  /** The fencing token of the writer's lease. */
  readonly token: number;
  /** The stream's token now: higher when another worker has claimed it since (0: it has no work entry). */
  readonly currentToken: number;
  /** The stream's holder now; `null` when nobody holds it (released, or never claimed). */
  readonly owner: string | null;
}

/**
 * An append carried a lease that is no longer the stream's current one: the worker was
 * paused or cut off past its lease, and another worker claimed the stream (or the lease
 * was released). Nothing of that append was written, and the worker must stop writing to
 * the stream: it is someone else's now.
 */
export class FencedWriteError extends RewindError {
  override readonly name = 'FencedWriteError';
  readonly code = 'FENCED_WRITE' as const;
  /** The display URL of the store. */
  readonly url: string;
  /** The stream the append was for. */
  readonly stream: string;
  /** The token of the refused lease. */
  readonly token: number;
  /** The stream's token now. */
  readonly currentToken: number;
  /** The stream's holder now, or `null`. */
  readonly owner: string | null;

  constructor(details: FencedWriteDetails) {
    const holder = details.owner === null ? 'nobody holds it now' : `it is now held by "${details.owner}"`;
    super(
      `Append to stream "${details.stream}" in ${details.url} was refused: this worker lost its lease (token ${details.token}; the stream's token is ${details.currentToken} and ${holder}). Nothing was written; stop writing to this stream.`,
      {
        url: details.url,
        stream: details.stream,
        token: details.token,
        currentToken: details.currentToken,
        owner: details.owner,
      },
    );
    this.url = details.url;
    this.stream = details.stream;
    this.token = details.token;
    this.currentToken = details.currentToken;
    this.owner = details.owner;
  }
}
