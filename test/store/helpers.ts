/**
 * Shared helpers of the store tests: temporary journal files and a raw better-sqlite3
 * connection for reaching under the journal (corrupting a record, holding a lock).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDriver } from '../../src/store/load-driver.js';
import type { SqliteDatabase, SqliteDatabaseConstructor } from '../../src/store/sqlite/index.js';

const dirs: string[] = [];

/** A fresh directory under the OS temp dir; {@link removeTempDirs} deletes them all. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-store-'));
  dirs.push(dir);
  return dir;
}

/** A path for a new journal file in a fresh temp dir. */
export function tempDbPath(name = 'journal.db'): string {
  return join(tempDir(), name);
}

/** Deletes every temp dir made so far (call from `afterAll`). */
export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Opens the file with the real driver, bypassing the journal. */
export function rawDatabase(path: string, options?: { timeout?: number }): SqliteDatabase {
  const Database = loadDriver('better-sqlite3') as SqliteDatabaseConstructor;
  return new Database(path, options);
}

/** Runs `fn` on a raw connection to `path` and closes it. */
export function withRawDatabase<T>(path: string, fn: (db: SqliteDatabase) => T): T {
  const db = rawDatabase(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The file's bytes, to show that a refused file was not touched. */
export function fileBytes(path: string): Buffer {
  return readFileSync(path);
}
