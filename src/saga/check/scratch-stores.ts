/**
 * Where the cases of one check keep their journals: a store of their own each, so that a
 * run a case left unsettled can never be claimed by the engines of a later one. On SQLite
 * a file per case in a temporary directory; on PostgreSQL (for sagas with transactional
 * steps) a schema per case in the database the caller names, where the saga's own tables
 * are.
 *
 * @module
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../errors.js';
import { loadDriver } from '../../store/load-driver.js';
import type { PgModule, PgPool } from '../../store/postgres/pg-driver-types.js';
import { quoteIdentifier } from '../../store/postgres/pg-names.js';
import { splitStoreParams } from '../../store/postgres/pg-url.js';

/** @internal The stores of one check, one per case. */
export interface ScratchStores {
  /** What `openStore()` takes for case `n`: the same store for every engine of the case. */
  storeOf(n: number): string;
  /** Removes case `n`'s store; its engines are closed. */
  drop(n: number): Promise<void>;
  /** Removes whatever is left; the check is over. */
  close(): Promise<void>;
}

/**
 * The stores of a check: on PostgreSQL when `scratch` is a `postgres://` URL, else SQLite
 * files in a temporary directory.
 * @throws {@link InvalidArgumentError} when `scratch` is given and is not a `postgres://` URL
 * @throws {@link StoreDriverMissingError} when it is and `pg` is not installed
 */
export async function openScratchStores(scratch: string | undefined, prefix: string): Promise<ScratchStores> {
  if (scratch === undefined) return sqliteScratch();
  if (typeof scratch !== 'string' || !/^postgres(ql)?:\/\//.test(scratch)) {
    throw new InvalidArgumentError({ path: 'options.scratch', expected: 'a postgres:// URL of a database for scratch schemas', got: scratch });
  }
  return postgresScratch(scratch, prefix);
}

async function sqliteScratch(): Promise<ScratchStores> {
  const dir = await mkdtemp(join(tmpdir(), 'rewind-check-'));
  const file = (n: number) => join(dir, `case-${n}.db`);
  return {
    storeOf: (n) => `sqlite:${file(n)}`,
    drop: async (n) => {
      for (const suffix of ['', '-wal', '-shm']) await rm(`${file(n)}${suffix}`, { force: true });
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

function postgresScratch(url: string, prefix: string): ScratchStores {
  const { connectionString } = splitStoreParams(url);
  const { Pool } = loadDriver('pg') as PgModule;
  let pool: PgPool | undefined;
  // Lower case, digits and underscores only: a schema name that needs no quoting to read.
  const schemaOf = (n: number) => `${prefix.replace(/[^a-z0-9]/g, '_')}_${n}`;
  // The cases whose schema may exist: named, not yet dropped.
  const live = new Set<number>();
  const drop = async (n: number): Promise<void> => {
    if (pool === undefined) {
      pool = new Pool({ connectionString, max: 1, application_name: 'rewind-check' });
      // An idle connection that dies emits on the pool, which crashes the process without a listener.
      pool.on('error', () => undefined);
    }
    const client = await pool.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schemaOf(n))} CASCADE`);
    } finally {
      client.release();
    }
    live.delete(n);
  };
  return {
    storeOf: (n) => {
      live.add(n);
      const parsed = new URL(connectionString);
      parsed.searchParams.set('schema', schemaOf(n));
      return parsed.toString();
    },
    drop,
    close: async () => {
      try {
        for (const n of [...live]) await drop(n);
      } finally {
        await pool?.end();
      }
    },
  };
}
