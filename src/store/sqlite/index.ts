/**
 * The SQLite journal store: better-sqlite3 in WAL mode, the embedded default.
 *
 * @example
 * ```ts
 * import { openStore } from 'rewind/store';
 * import { SqliteStore } from 'rewind/store/sqlite';
 * const journal = await openStore(new SqliteStore({ database: './rewind.db' }));
 * await journal.append('order-42', [{ type: 'created', data: { total: 12 } }]);
 * await journal.close();
 * ```
 *
 * @module
 */

/** The store and its options. */
export { SqliteStore } from './sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite-store.js';

/** The subset of better-sqlite3 the store calls, for passing your own `Database`. */
export type {
  SqliteDatabase,
  SqliteDatabaseConstructor,
  SqliteDatabaseOptions,
  SqliteDriverError,
  SqliteRunResult,
  SqliteStatement,
} from './sqlite-driver-types.js';

/** The schema version this code writes, and the application id that marks a Rewind file. */
export { APPLICATION_ID, SCHEMA_VERSION } from './sqlite-schema.js';
