/**
 * Opening a PostgreSQL schema: migrations applied once under an advisory lock however many
 * processes open at once, and schemas that are not (or not yet) ours refused untouched.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { openStore, StoreFormatError, StoreSchemaVersionError, StoreUnavailableError } from '../../src/store/index.js';
import { PgStore } from '../../src/store/postgres/index.js';
import { pgNames } from '../../src/store/postgres/pg-names.js';
import { adminPool, dropSchemas, freshSchema, noteSkipWithoutPg, PG_URL, pgUrlWithSchema } from '../helpers/pg.js';

noteSkipWithoutPg('test/store/postgres-schema.test.ts');
afterAll(dropSchemas);

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'pg-open.ts');
const run = promisify(execFile);

/** The tables in `schema`, by name. */
async function tables(schema: string): Promise<string[]> {
  const { rows } = await adminPool().query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename', [schema]);
  return rows.map((r) => r.tablename);
}

async function versions(schema: string): Promise<number[]> {
  const { rows } = await adminPool().query<{ version: number }>(`SELECT version FROM ${pg.escapeIdentifier(schema)}.rewind_schema ORDER BY version`);
  return rows.map((r) => r.version);
}

const JOURNAL_TABLES = ['rewind_records', 'rewind_schema', 'rewind_streams', 'rewind_work'];

describe.skipIf(!PG_URL)('PostgreSQL schema and migrations', () => {
  it('two processes opening a fresh schema at the same moment both succeed and migrate it once', async () => {
    const schema = freshSchema('race');
    const url = pgUrlWithSchema(schema);
    // Both children start their open at the same wall-clock moment, after their slow start-up.
    const startAt = String(Date.now() + 4000);
    const children = await Promise.all(
      ['a', 'b'].map((name) => run(process.execPath, ['--import', 'tsx', FIXTURE, url, startAt, name], { timeout: 30_000 })),
    );
    for (const { stdout } of children) expect(JSON.parse(stdout.trim())).toEqual({ ok: true, lastSeq: 1 });
    expect(await tables(schema)).toEqual(JOURNAL_TABLES);
    expect(await versions(schema)).toEqual([1, 2]);
  });

  it('eight stores on separate pools opening a fresh schema concurrently migrate it once', async () => {
    const schema = freshSchema('race');
    const journals = await Promise.all(
      Array.from({ length: 8 }, () => openStore(new PgStore({ connectionString: PG_URL!, schema, maxConnections: 2 }))),
    );
    await Promise.all(journals.map((j, i) => j.append(`s-${i}`, [{ type: 'x' }])));
    await Promise.all(journals.map((j) => j.close()));
    expect(await tables(schema)).toEqual(JOURNAL_TABLES);
    expect(await versions(schema)).toEqual([1, 2]);
  });

  it('refuses a schema written by a newer rewind with StoreSchemaVersionError, writing nothing', async () => {
    const schema = freshSchema();
    await (await openStore(pgUrlWithSchema(schema))).close();
    await adminPool().query(`INSERT INTO ${pg.escapeIdentifier(schema)}.rewind_schema (version, name) VALUES (99, 'from-the-future')`);
    const error = await openStore(pgUrlWithSchema(schema)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreSchemaVersionError);
    expect(error).toMatchObject({ found: 99, supported: 2 });
    expect((error as Error).message).not.toContain('password');
    expect(await versions(schema)).toEqual([1, 2, 99]);
  });

  it("refuses a schema holding another application's tables with StoreFormatError, creating nothing", async () => {
    const schema = freshSchema('foreign');
    const q = pg.escapeIdentifier(schema);
    await adminPool().query(`CREATE SCHEMA ${q}; CREATE TABLE ${q}.customers (id int); CREATE VIEW ${q}.vip AS SELECT 1 AS id`);
    const error = await openStore(pgUrlWithSchema(schema)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreFormatError);
    expect((error as Error).message).toContain('customers, vip');
    expect(await tables(schema)).toEqual(['customers']);
  });

  it('refuses a rewind_schema table that is not ours', async () => {
    const schema = freshSchema('foreign');
    const q = pg.escapeIdentifier(schema);
    await adminPool().query(`CREATE SCHEMA ${q}; CREATE TABLE ${q}.rewind_schema (id int)`);
    await expect(openStore(pgUrlWithSchema(schema))).rejects.toBeInstanceOf(StoreFormatError);
    expect(await tables(schema)).toEqual(['rewind_schema']);
  });

  it('opens an existing empty schema, even one named with quotes and spaces', async () => {
    const schema = freshSchema('odd "name"');
    await adminPool().query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
    const journal = await openStore(new PgStore({ connectionString: PG_URL!, schema }));
    await journal.append('s', [{ type: 'x' }]);
    await journal.close();
    expect(await tables(schema)).toEqual(JOURNAL_TABLES);
  });

  const lockTimeoutOf = {
    'the option': (schema: string) => openStore(new PgStore({ connectionString: PG_URL!, schema, migrationLockTimeout: 300 })),
    'the URL parameter of openStore': (schema: string) => {
      const url = new URL(pgUrlWithSchema(schema));
      url.searchParams.set('migrationLockTimeout', '300');
      return openStore(url.toString());
    },
  };
  it.each(Object.entries(lockTimeoutOf))('an open waiting on a held migration lock fails after migrationLockTimeout (set by %s) with a retryable StoreUnavailableError (55P03)', async (_, open) => {
    const schema = freshSchema('lock');
    const holder = await adminPool().connect();
    try {
      // The lock another process's open holds while it migrates this schema.
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, $2)', [...pgNames(schema, 'schema').lockKeys]);
      const started = performance.now();
      const error = await open(schema).catch((e: unknown) => e);
      const waited = performance.now() - started;
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ retryable: true, driverCode: '55P03' });
      // It waited for the lock, and gave up on the configured timeout, not the 30 s default.
      expect(waited).toBeGreaterThanOrEqual(300);
      expect(waited).toBeLessThan(5000);
      expect(await tables(schema)).toEqual([]);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    // Once the lock is free the same open succeeds: the failure was the wait, nothing else.
    const journal = await open(schema);
    await journal.close();
    expect(await tables(schema)).toEqual(JOURNAL_TABLES);
  });
});

describe('PgStore option migrationLockTimeout', () => {
  it('refuses a value that is not a duration from 1 ms to 2147483647 ms with InvalidArgumentError naming options.migrationLockTimeout, in the constructor', () => {
    for (const migrationLockTimeout of [0, -1, '2x', '', Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '25d', true]) {
      const error = (() => {
        try {
          // An unreachable server: the refusal has to come before anything connects.
          const options = { connectionString: 'postgres://nobody@127.0.0.1:1/none', migrationLockTimeout };
          return new PgStore(options as ConstructorParameters<typeof PgStore>[0]);
        } catch (e) {
          return e;
        }
      })();
      expect(error, String(migrationLockTimeout)).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).path, String(migrationLockTimeout)).toBe('options.migrationLockTimeout');
    }
  });

  it('accepts milliseconds and duration strings within the range', () => {
    for (const migrationLockTimeout of [1, 300, '5s', 2 ** 31 - 1] as const) {
      expect(() => new PgStore({ connectionString: 'postgres://nobody@127.0.0.1:1/none', migrationLockTimeout })).not.toThrow();
    }
  });
});
