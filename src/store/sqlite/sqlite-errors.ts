/**
 * Classification of better-sqlite3 errors into Rewind's store errors, done once, here, by
 * SQLite's result code and never by message text.
 *
 * @module
 */
import { isRewindError } from '../../errors.js';
import { StoreFormatError, StoreUnavailableError } from '../errors.js';

/** A lock held by another connection, or a race SQLite itself says to retry. */
const RETRYABLE = /^SQLITE_(BUSY|LOCKED|PROTOCOL)(_|$)/;
/** The disk or the file cannot serve us until someone acts (space, permissions, hardware). */
const UNAVAILABLE = /^SQLITE_(CANTOPEN|IOERR|FULL|READONLY|PERM|AUTH|NOMEM)(_|$)/;
/** The file is not a database, or its pages are damaged. */
const DAMAGED = /^SQLITE_(CORRUPT|NOTADB)(_|$)/;

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * Turns a driver error into the Rewind error it means; anything else (a Rewind error
 * already, or an error that is not SQLite's) is returned as it is.
 */
export function classifySqliteError(error: unknown, url: string, operation: string): unknown {
  if (isRewindError(error)) return error;
  const code = sqliteCode(error);
  if (code === undefined) return error;
  if (RETRYABLE.test(code)) return new StoreUnavailableError({ url, operation, retryable: true, driverCode: code, cause: error });
  if (UNAVAILABLE.test(code)) return new StoreUnavailableError({ url, operation, retryable: false, driverCode: code, cause: error });
  if (DAMAGED.test(code)) {
    const problem = code === 'SQLITE_NOTADB' ? 'it is not a SQLite database' : `the SQLite file is damaged (${code})`;
    return new StoreFormatError({ url, problem, cause: error });
  }
  return error;
}
