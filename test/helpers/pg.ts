/**
 * Where the PostgreSQL tests find their server. CI sets REWIND_PG_URL; without it the
 * PostgreSQL tests skip, and say so once per file.
 *
 * Tests isolate themselves in schemas: {@link freshSchema} names a new one (the store
 * creates it on open) and {@link dropSchemas} removes every schema made so far.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env['REWIND_PG_URL'];

/** Prints the one line that says why a PostgreSQL test file skipped. */
export function noteSkipWithoutPg(file: string): void {
  if (PG_URL === undefined) {
    console.log(`[skip] ${file}: REWIND_PG_URL is not set, so the PostgreSQL tests did not run (CI sets it).`);
  }
}

const schemas: string[] = [];

/** A new, unused schema name, remembered for {@link dropSchemas}. */
export function freshSchema(tag = 'test'): string {
  const name = `rewind_${tag}_${randomBytes(6).toString('hex')}`;
  schemas.push(name);
  return name;
}

/** {@link PG_URL} with `?schema=` set, for `openStore()`. */
export function pgUrlWithSchema(schema: string): string {
  const url = new URL(requirePgUrl());
  url.searchParams.set('schema', schema);
  return url.toString();
}

function requirePgUrl(): string {
  if (PG_URL === undefined) throw new Error('REWIND_PG_URL is not set; guard the test with describe.skipIf(!PG_URL).');
  return PG_URL;
}

let admin: pg.Pool | undefined;

/** A small pool for reaching under the store (inspecting tables, killing connections); closed by {@link dropSchemas}. */
export function adminPool(): pg.Pool {
  admin ??= new pg.Pool({ connectionString: requirePgUrl(), max: 2, application_name: 'rewind-test-admin' });
  return admin;
}

/** Drops every schema {@link freshSchema} named (call from `afterAll`), and closes the admin pool. */
export async function dropSchemas(): Promise<void> {
  const names = schemas.splice(0);
  if (PG_URL === undefined) return;
  const pool = adminPool();
  for (const name of names) await pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(name)} CASCADE`);
  admin = undefined;
  await pool.end();
}

/** A pool of one connection that records the text of every statement sent on it. */
export function recordingPool(options?: string): { pool: pg.Pool; texts: string[] } {
  const pool = new pg.Pool({ connectionString: requirePgUrl(), max: 1, ...(options === undefined ? {} : { options }) });
  const texts: string[] = [];
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (config: unknown, ...rest: unknown[]) => unknown;
    (client as { query: unknown }).query = (config: unknown, ...rest: unknown[]) => {
      texts.push(typeof config === 'string' ? config : (config as { text: string }).text);
      return query(config, ...rest);
    };
  });
  return { pool, texts };
}
