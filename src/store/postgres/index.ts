/**
 * The PostgreSQL journal store: for several processes or machines sharing one journal, and
 * the coordination between them (leases with fencing tokens, `SKIP LOCKED` claims,
 * wake-ups). `pg` is an optional peer dependency: `npm install pg`.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { openStore } from 'rewind/store';
 * import { PgStore } from 'rewind/store/postgres';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const journal = await openStore(new PgStore({ pool, schema: 'orders' }));
 * await journal.append('order-42', [{ type: 'created', data: { total: 12 } }]);
 * await journal.close(); // the pool stays yours: end it when you are done
 * await pool.end();
 * ```
 *
 * @module
 */

/** The store and its options. */
export { PgStore } from './pg-store.js';
export type { PgStoreOptions } from './pg-store.js';

/** The subset of `pg` the store calls, for passing your own `Pool`. */
export type {
  PgDriverError,
  PgModule,
  PgNotification,
  PgPool,
  PgPoolClient,
  PgPoolConfig,
  PgPoolOptions,
  PgQueryResult,
} from './pg-driver-types.js';

/** The schema version this code writes. */
export { PG_SCHEMA_VERSION } from './pg-schema.js';
