/**
 * The part of better-sqlite3 that the SQLite store calls, as structural types.
 *
 * Declared here rather than imported from `better-sqlite3` so that type-checking Rewind
 * never needs the driver's types, and so that a user's own `Database` (configured with
 * their options, or a compatible fork) plugs in as it is. `test/store/sqlite-driver-types.test.ts`
 * checks that the real driver satisfies them.
 *
 * @module
 */

/** The result of running a statement that writes. */
export interface SqliteRunResult {
  /** Rows changed by the statement. */
  readonly changes: number;
}

/** A prepared statement. */
export interface SqliteStatement {
  /** Runs a writing statement. */
  run(...params: unknown[]): SqliteRunResult;
  /** Returns the first row, or `undefined`. */
  get(...params: unknown[]): unknown;
  /** Returns every row. */
  all(...params: unknown[]): unknown[];
  /** Returns rows one at a time, so a scan can stop early without reading the rest. */
  iterate(...params: unknown[]): IterableIterator<unknown>;
}

/** A database connection, as `new Database(filename, options)` returns it. */
export interface SqliteDatabase {
  /** The file name given when it was opened (`:memory:` for an in-memory database). */
  readonly name: string;
  /** True for an in-memory database. */
  readonly memory: boolean;
  /** True until `close()`. */
  readonly open: boolean;
  /** True while a transaction is open (SQLite may end one by itself after an error). */
  readonly inTransaction: boolean;
  /** Compiles a statement once, to run many times. */
  prepare(source: string): SqliteStatement;
  /** Runs one or more statements that return nothing. */
  exec(source: string): unknown;
  /** Runs a pragma; with `{ simple: true }` returns the first column of the first row. */
  pragma(source: string, options?: { simple?: boolean }): unknown;
  /** Closes the connection. */
  close(): unknown;
}

/** Options of the driver's `Database` constructor that the store uses. */
export interface SqliteDatabaseOptions {
  /** Milliseconds to wait for a lock held by another connection before failing with `SQLITE_BUSY`. */
  readonly timeout?: number;
}

/** The driver module's export: the `Database` constructor. */
export type SqliteDatabaseConstructor = new (filename: string, options?: SqliteDatabaseOptions) => SqliteDatabase;

/** The shape of errors the driver throws: `code` is SQLite's extended result code name. */
export interface SqliteDriverError {
  /** For example `SQLITE_BUSY`, `SQLITE_BUSY_SNAPSHOT`, `SQLITE_NOTADB`. */
  readonly code: string;
}
