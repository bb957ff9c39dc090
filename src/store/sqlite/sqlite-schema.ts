/**
 * Recognising a Rewind SQLite file, and bringing its schema up to date.
 *
 * The order matters: everything that decides whether a file is ours only reads, and the
 * first write (switching to WAL, which rewrites the file header) comes after. A file that
 * is not ours is refused with its bytes untouched.
 *
 * @module
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { Durability } from '../durability.js';
import { StoreFormatError, StoreSchemaVersionError, StoreUnavailableError } from '../errors.js';
import { latestVersion } from '../migration.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import type { SqliteDatabase } from './sqlite-driver-types.js';

/** `PRAGMA application_id` of a Rewind journal: the bytes "RWND", so `file(1)` and tools can tell. */
export const APPLICATION_ID = 0x52574e44;

/** The schema version this code writes and understands. */
export const SCHEMA_VERSION = latestVersion(SQLITE_MIGRATIONS);

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Refuses a non-empty file that does not start with the SQLite header, before the driver
 * reads it. (SQLite would refuse it too, with `SQLITE_NOTADB`, but only at the first query
 * and with a message that does not say which file.)
 * @throws {@link StoreFormatError}
 */
export function checkFileHeader(path: string, url: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    // Missing (SQLite creates it) or unreadable (the driver reports why, classified).
    return;
  }
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const read = readSync(fd, head, 0, head.length, 0);
    if (read > 0 && (read < head.length || !head.equals(SQLITE_HEADER))) {
      throw new StoreFormatError({ url, problem: 'it is not a SQLite database (its first bytes are not the SQLite header)' });
    }
  } finally {
    closeSync(fd);
  }
}

/** What a database turned out to be: empty and free to claim, or already a Rewind journal of some version. */
type Found = { readonly kind: 'empty' } | { readonly kind: 'journal'; readonly version: number };

/**
 * Decides, by reading only, whether the database is empty, a Rewind journal (and of which
 * schema version) or something else.
 * @throws {@link StoreFormatError} for another application's database or a damaged journal
 * @throws {@link StoreSchemaVersionError} for a journal newer than this code
 */
export function inspect(db: SqliteDatabase, url: string): Found {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").all() as { name: string }[])
    .map((row) => row.name);
  if (appId === 0 && tables.length === 0) return { kind: 'empty' };
  if (appId !== APPLICATION_ID) {
    const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', ...' : '');
    const problem = appId === 0
      ? `it is a SQLite database of another application (tables: ${shown}), not a Rewind journal`
      : `it is a SQLite database of another application (application_id 0x${(appId >>> 0).toString(16)}), not a Rewind journal`;
    throw new StoreFormatError({ url, problem });
  }
  if (!tables.includes('rewind_schema')) {
    throw new StoreFormatError({ url, problem: 'it is marked as a Rewind journal but has no rewind_schema table, so it is damaged' });
  }
  const version = (db.prepare('SELECT max(version) AS v FROM rewind_schema').get() as { v: number | null }).v ?? 0;
  if (version > SCHEMA_VERSION) throw new StoreSchemaVersionError({ url, found: version, supported: SCHEMA_VERSION });
  return { kind: 'journal', version };
}

/**
 * Sets the journal mode and sync level for `durability`.
 *
 * WAL always: readers never block the writer, and a commit is one append to the WAL.
 * `always` runs `synchronous=FULL`, which in WAL mode fsyncs the WAL at every commit
 * (`fullfsync` makes that a real flush on macOS, a no-op elsewhere). `interval` and `none`
 * run `synchronous=NORMAL`: commits are not fsynced, but checkpoints are, so a power loss
 * can drop recent commits yet never corrupts the file; `OFF` would risk the file itself.
 * The periodic fsync of `interval` is the store's `sync()`.
 * @throws {@link StoreUnavailableError} when the file system cannot host a WAL.
 */
export function configure(db: SqliteDatabase, url: string, durability: Durability): void {
  if (!db.memory) {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    // SQLite keeps the old mode when it cannot use WAL (a file system without shared memory).
    if (mode !== 'wal') {
      throw new StoreUnavailableError({ url, operation: 'switch to WAL mode', retryable: false, driverCode: `journal_mode=${String(mode)}` });
    }
  }
  db.pragma(`synchronous = ${durability === 'always' ? 'FULL' : 'NORMAL'}`);
  db.pragma(`fullfsync = ${durability === 'always' ? 'ON' : 'OFF'}`);
}

/**
 * Applies pending migrations inside one `BEGIN IMMEDIATE` transaction: it takes the write
 * lock first, so two processes opening a new file at once migrate it once, and a failing
 * migration leaves the file as it was. The file is inspected again under the lock, since
 * another process may have changed it since the first look.
 * @throws {@link StoreFormatError} or {@link StoreSchemaVersionError} as {@link inspect}
 */
export function migrate(db: SqliteDatabase, url: string): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const found = inspect(db, url);
    if (found.kind === 'empty') {
      db.exec('CREATE TABLE rewind_schema (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
      db.pragma(`application_id = ${APPLICATION_ID}`);
    }
    const current = found.kind === 'empty' ? 0 : found.version;
    const record = db.prepare('INSERT INTO rewind_schema (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of SQLITE_MIGRATIONS.slice(current)) {
      for (const statement of migration.statements) db.exec(statement);
      record.run(migration.version, migration.name, Date.now());
    }
    db.exec('COMMIT');
  } catch (error) {
    // SQLite rolls back by itself after some errors (a full disk); a second ROLLBACK would
    // throw and hide the error that matters.
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
