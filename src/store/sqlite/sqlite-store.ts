/**
 * The SQLite journal store, on better-sqlite3 in WAL mode: the embedded default, a file
 * path and nothing to run.
 *
 * @module
 */
import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import { toMillis, type Duration } from '../../internal/duration.js';
import type {
  AppendOutcome,
  AppendRequest,
  JournalStore,
  ReadRange,
  StoreCapabilities,
  StoreOpenContext,
  StreamFilter,
} from '../contract.js';
import { decodeRecordRow, type RecordRow } from '../decode-record.js';
import { StoreUnavailableError } from '../errors.js';
import { loadDriver } from '../load-driver.js';
import type { StoredRecord, StreamInfo } from '../records.js';
import type { TornTailWarning } from '../warnings.js';
import { SqliteAppender } from './sqlite-append.js';
import { classifySqliteError } from './sqlite-errors.js';
import type { SqliteDatabase, SqliteDatabaseConstructor, SqliteStatement } from './sqlite-driver-types.js';
import { checkFileHeader, configure, inspect, migrate } from './sqlite-schema.js';
import { cutTornTails } from './torn-tail.js';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /**
   * The database: a file path (created if missing), `':memory:'`, a better-sqlite3
   * `Database` you opened yourself, or a function returning one (called at open, again if
   * an open is retried). The store takes ownership: it switches the database to WAL, sets
   * its sync level and closes it on `close()`.
   */
  readonly database: string | SqliteDatabase | (() => SqliteDatabase | Promise<SqliteDatabase>);
  /**
   * How long to wait for a lock held by another connection before failing with a
   * retryable `StoreUnavailableError`. Applies when the store opens the file itself.
   * @default 5000 (ms)
   */
  readonly busyTimeout?: Duration | undefined;
}

interface Statements {
  readonly appender: SqliteAppender;
  readonly read: SqliteStatement;
  readonly listAll: SqliteStatement;
  readonly listPrefix: SqliteStatement;
}

interface StreamRow {
  readonly stream: string;
  readonly last_seq: number;
  readonly updated_at: number;
}

function prepare(db: SqliteDatabase): Statements {
  const list = 'SELECT stream, last_seq, updated_at FROM rewind_streams';
  return {
    appender: new SqliteAppender(db),
    read: db.prepare(
      `SELECT r.seq, r.type, r.data, r.at, r.checksum
         FROM rewind_streams s JOIN rewind_records r ON r.stream_id = s.id
        WHERE s.stream = ? AND r.seq >= ? ORDER BY r.seq LIMIT ?`,
    ),
    listAll: db.prepare(`${list} ORDER BY stream`),
    listPrefix: db.prepare(`${list} WHERE stream GLOB ? ORDER BY stream`),
  };
}

/** A GLOB pattern matching names that start with `prefix` (GLOB is case-sensitive, unlike LIKE, and can use the key). */
function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[*?[]/g, (c) => `[${c}]`)}*`;
}

function displayUrl(db: SqliteDatabase): string {
  return db.memory ? 'sqlite::memory:' : `sqlite:${resolve(db.name)}`;
}

/**
 * A {@link JournalStore} on SQLite through better-sqlite3, in WAL mode.
 *
 * Pass it to `openStore()`, or let `openStore('sqlite:./rewind.db')` build one. The driver
 * is loaded only when a file path is opened. See `Durability` for what each policy costs
 * here; `configure` in `sqlite-schema.ts` for the pragmas behind them.
 *
 * @example
 * ```ts
 * const journal = await openStore(new SqliteStore({ database: './rewind.db', busyTimeout: '2s' }));
 * ```
 */
export class SqliteStore implements JournalStore {
  /** SQLite supports none of the optional abilities yet; listed so that the choice is visible. */
  readonly capabilities: StoreCapabilities = Object.freeze({
    transactionalSteps: false,
    multiProcess: false,
    skipLocked: false,
  });
  readonly #source: SqliteStoreOptions['database'];
  readonly #busyTimeoutMs: number;
  #url: string;
  #db: SqliteDatabase | undefined;
  #statements: Statements | undefined;
  #walPath: string | undefined;
  #dirSynced = false;

  /** @throws {@link InvalidArgumentError} when an option is not valid. */
  constructor(options: SqliteStoreOptions) {
    const database: unknown = (options as Partial<SqliteStoreOptions> | undefined)?.database;
    const isDb = typeof database === 'object' && database !== null && typeof (database as SqliteDatabase).prepare === 'function';
    if (!(typeof database === 'string' && database !== '') && !isDb && typeof database !== 'function') {
      throw new InvalidArgumentError({
        path: 'options.database',
        expected: 'a file path, ":memory:", a better-sqlite3 Database or a function returning one',
        got: database,
      });
    }
    this.#source = options.database;
    this.#busyTimeoutMs = options.busyTimeout === undefined ? 5000 : toMillis(options.busyTimeout, 'options.busyTimeout');
    if (typeof database === 'string') this.#url = database === ':memory:' ? 'sqlite::memory:' : `sqlite:${resolve(database)}`;
    else if (isDb) this.#url = displayUrl(database as SqliteDatabase);
    else this.#url = 'sqlite:(database from a factory, not yet opened)';
  }

  /** `sqlite:` and the absolute file path, or `sqlite::memory:`. */
  get url(): string {
    return this.#url;
  }

  async open(context: StoreOpenContext): Promise<void> {
    const source = this.#source;
    const db = await this.#connect();
    this.#url = displayUrl(db);
    let warnings: TornTailWarning[];
    try {
      // Opening a connection reads nothing yet; every check before `configure` only reads.
      if (!db.memory) checkFileHeader(db.name, this.#url);
      inspect(db, this.#url);
      configure(db, this.#url, context.durability);
      migrate(db, this.#url);
      warnings = cutTornTails(db, this.#url);
      this.#statements = prepare(db);
      this.#db = db;
      this.#walPath = db.memory ? undefined : `${resolve(db.name)}-wal`;
    } catch (error) {
      this.#statements = undefined;
      this.#db = undefined;
      // A database we opened is ours to release, so that open can be tried again; one the
      // caller handed us stays theirs until open succeeds.
      if (typeof source !== 'object') db.close();
      throw classifySqliteError(error, this.#url, 'open');
    }
    for (const warning of warnings) context.onWarning(warning);
  }

  appendBatch(requests: readonly AppendRequest[]): Promise<AppendOutcome[]> {
    return settle(() => {
      const { s } = this.#ready();
      try {
        return s.appender.append(requests);
      } catch (error) {
        throw classifySqliteError(error, this.#url, 'append');
      }
    });
  }

  read(stream: string, range: ReadRange): Promise<StoredRecord[]> {
    return settle(() => {
      const { s } = this.#ready();
      let rows: RecordRow[];
      try {
        rows = s.read.all(stream, range.fromSeq, range.limit ?? -1) as RecordRow[];
      } catch (error) {
        throw classifySqliteError(error, this.#url, 'read');
      }
      return rows.map((row, i) => decodeRecordRow(this.#url, stream, range.fromSeq + i, row));
    });
  }

  listStreams(filter: StreamFilter): Promise<StreamInfo[]> {
    return settle(() => {
      const { s } = this.#ready();
      let rows: StreamRow[];
      try {
        rows = (filter.prefix === undefined ? s.listAll.all() : s.listPrefix.all(prefixPattern(filter.prefix))) as StreamRow[];
      } catch (error) {
        throw classifySqliteError(error, this.#url, 'list streams');
      }
      return rows.map((row) => ({ stream: row.stream, lastSeq: row.last_seq, updatedAt: new Date(row.updated_at) }));
    });
  }

  /**
   * fsyncs the WAL file: every commit made so far then survives a power loss. This is the
   * `interval` policy's periodic sync; it costs one fsync, where a checkpoint would also
   * copy pages into the main file and sync that. The first sync after open also syncs the
   * directory, which holds the WAL file's name (SQLite does the same for a new WAL under
   * `synchronous=FULL`). On macOS `fsync` does not flush the drive's cache, so there this
   * guards against an OS crash more than against a power loss.
   */
  async sync(): Promise<void> {
    const walPath = this.#walPath;
    if (walPath === undefined) return;
    try {
      await fsyncPath(walPath, 'r+');
      if (!this.#dirSynced && process.platform !== 'win32') {
        await fsyncPath(dirname(walPath), 'r');
        this.#dirSynced = true;
      }
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // No WAL file: nothing was written since SQLite last removed it, so nothing to sync.
      if (code === 'ENOENT') return;
      throw new StoreUnavailableError({
        url: this.#url,
        operation: 'sync',
        retryable: false,
        driverCode: typeof code === 'string' ? code : 'EIO',
        cause: error,
      });
    }
  }

  close(): Promise<void> {
    return settle(() => {
      const db = this.#db;
      this.#db = undefined;
      this.#statements = undefined;
      db?.close();
    });
  }

  async #connect(): Promise<SqliteDatabase> {
    const source = this.#source;
    if (typeof source === 'function') return source();
    if (typeof source === 'object') return source;
    const Database = loadDriver('better-sqlite3') as SqliteDatabaseConstructor;
    try {
      return new Database(source, { timeout: this.#busyTimeoutMs });
    } catch (error) {
      throw classifySqliteError(error, this.#url, 'open');
    }
  }

  #ready(): { db: SqliteDatabase; s: Statements } {
    if (this.#db === undefined || this.#statements === undefined) {
      throw new TypeError(`The store ${this.#url} is not open; open it through openStore().`);
    }
    return { db: this.#db, s: this.#statements };
  }
}

/**
 * Runs synchronous driver work (better-sqlite3 blocks until done) as the contract's
 * promise, right away; a throw becomes a rejection.
 */
function settle<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}

/**
 * fsyncs a file or directory on the thread pool, so the event loop (and the next group
 * commit) runs on meanwhile. Safe beside SQLite's own writes: fsync covers every write
 * that completed before it began, which is every commit acknowledged so far.
 */
async function fsyncPath(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
