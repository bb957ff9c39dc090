/**
 * Recognising a Rewind schema in PostgreSQL, and bringing it up to date.
 *
 * Everything happens in one transaction that first takes an advisory lock keyed on the
 * schema name: two processes opening a new schema at once migrate it once (the second
 * waits, then finds it current), and a failing migration leaves the schema as it was.
 * Every decision is made under the lock, so none is based on a look another process has
 * since made stale; a schema that is not ours, or is newer than this code, is refused
 * before anything is written.
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.js';
import { toMillis } from '../../internal/duration.js';
import { StoreFormatError, StoreSchemaVersionError } from '../errors.js';
import { latestVersion } from '../migration.js';
import { PG_MIGRATIONS } from './migrations.js';
import type { PgConnections } from './pg-connection.js';
import type { PgPoolClient } from './pg-driver-types.js';
import type { PgNames } from './pg-names.js';

/** The schema version this code writes and understands. */
export const PG_SCHEMA_VERSION = latestVersion(PG_MIGRATIONS);

/**
 * How long open waits by default for another process's migration (or for a lock a long
 * transaction holds on a journal table) before failing with a retryable
 * `StoreUnavailableError` (SQLSTATE 55P03). Migrations here take milliseconds; a wait this
 * long means a stuck session, and an error naming it beats hanging.
 */
const DEFAULT_MIGRATION_LOCK_TIMEOUT_MS = 30_000;

/** The largest `lock_timeout` the server accepts: the setting is a 32-bit count of milliseconds. */
const MAX_LOCK_TIMEOUT_MS = 2_147_483_647;

/**
 * Parses the `migrationLockTimeout` option into the milliseconds {@link migrate} waits for
 * its lock, {@link DEFAULT_MIGRATION_LOCK_TIMEOUT_MS} when it is not given.
 * @throws {@link InvalidArgumentError} naming `path` unless it is a duration from 1 ms to
 *   2147483647 ms. Zero is refused because PostgreSQL reads a `lock_timeout` of 0 as
 *   "wait forever", the hang this timeout exists to prevent.
 */
export function toMigrationLockTimeoutMs(value: unknown, path: string): number {
  if (value === undefined) return DEFAULT_MIGRATION_LOCK_TIMEOUT_MS;
  const millis = toMillis(value, path);
  if (millis < 1 || millis > MAX_LOCK_TIMEOUT_MS) {
    throw new InvalidArgumentError({
      path,
      expected: `a duration from 1ms to ${MAX_LOCK_TIMEOUT_MS}ms (0 would make PostgreSQL wait forever)`,
      got: value,
    });
  }
  return millis;
}

/** Relations that make a schema someone's: tables, views, materialized views, foreign and partitioned tables. */
const RELATION_KINDS = "('r', 'p', 'v', 'm', 'f')";

/** What a schema turned out to be: missing or empty (free to claim), or a Rewind journal of some version. */
type Found = { readonly kind: 'empty'; readonly exists: boolean } | { readonly kind: 'journal'; readonly version: number };

/**
 * Decides, by reading only, whether the schema is absent or empty, a Rewind journal (and
 * of which version) or something else.
 * @throws {@link StoreFormatError} for a schema holding another application's tables
 * @throws {@link StoreSchemaVersionError} for a journal newer than this code
 */
async function inspect(client: PgPoolClient, names: PgNames, url: string): Promise<Found> {
  const exists = (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [names.schema])).rows.length > 0;
  if (!exists) return { kind: 'empty', exists };
  const tables = (
    await client.query(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ${RELATION_KINDS} ORDER BY c.relname`,
      [names.schema],
    )
  ).rows.map((row: { relname: string }) => row.relname);
  if (tables.length === 0) return { kind: 'empty', exists };
  if (!tables.includes('rewind_schema')) {
    const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? ', ...' : '');
    throw new StoreFormatError({
      url,
      problem: `the schema "${names.schema}" holds another application's tables (${shown}), not a Rewind journal; choose another schema`,
    });
  }
  const columns = (
    await client.query(
      `SELECT a.attname FROM pg_attribute a
        WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
      [names.versions],
    )
  ).rows.map((row: { attname: string }) => row.attname);
  if (!columns.includes('version')) {
    throw new StoreFormatError({
      url,
      problem: `the schema "${names.schema}" has a rewind_schema table without a version column, so it is not a Rewind journal (or it is damaged)`,
    });
  }
  const row = (await client.query(`SELECT max(version)::text AS v FROM ${names.versions}`)).rows[0] as { v: string | null } | undefined;
  const version = Number(row?.v ?? 0);
  if (!Number.isSafeInteger(version) || version < 0) {
    throw new StoreFormatError({ url, problem: `the schema "${names.schema}" has a rewind_schema table whose versions are not whole numbers` });
  }
  if (version > PG_SCHEMA_VERSION) throw new StoreSchemaVersionError({ url, found: version, supported: PG_SCHEMA_VERSION });
  return { kind: 'journal', version };
}

/**
 * Creates the schema if missing and applies pending migrations, all under the schema's
 * advisory lock, in one transaction.
 * @param lockTimeoutMs how long any lock wait of the transaction may last, from
 *   {@link toMigrationLockTimeoutMs}
 * @returns the versions applied (none when the schema was current)
 * @throws {@link StoreFormatError} or {@link StoreSchemaVersionError} as {@link inspect}
 * @throws `StoreUnavailableError` when the server cannot be reached or a lock wait passes
 *   `lockTimeoutMs` (retryable, driver code 55P03)
 */
export function migrate(connections: PgConnections, names: PgNames, url: string, lockTimeoutMs: number): Promise<number[]> {
  return connections.transaction('open', 'sync', async (client) => {
    // SET takes no bind parameters; set_config(..., true) is SET LOCAL that does, and a bare
    // number is read in lock_timeout's unit, milliseconds.
    await client.query("SELECT set_config('lock_timeout', $1, true)", [String(lockTimeoutMs)]);
    // Transaction-scoped: released by COMMIT or ROLLBACK, and by the server if the
    // connection dies, so a crashed process never leaves the schema locked.
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...names.lockKeys]);
    const found = await inspect(client, names, url);
    // Created only when missing: CREATE SCHEMA needs the CREATE privilege on the database
    // even with IF NOT EXISTS, which a role given an existing schema may not have.
    if (found.kind === 'empty' && !found.exists) await client.query(`CREATE SCHEMA ${names.quotedSchema}`);
    await client.query(`SET LOCAL search_path TO ${names.quotedSchema}`);
    if (found.kind === 'empty') {
      await client.query(
        'CREATE TABLE rewind_schema (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
    }
    const current = found.kind === 'empty' ? 0 : found.version;
    const applied: number[] = [];
    for (const migration of PG_MIGRATIONS.slice(current)) {
      for (const statement of migration.statements) await client.query(statement);
      await client.query('INSERT INTO rewind_schema (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return applied;
  });
}
