/**
 * The store's cached plans follow its tables' growth (pg-plan-refresh.ts): a lookup the
 * server planned as a sequential scan while the streams table was small does not stay one
 * once the table has grown, even with autovacuum not there to invalidate it.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppendRequest } from '../../src/store/contract.js';
import { openStore } from '../../src/store/index.js';
import { PgStore } from '../../src/store/postgres/index.js';
import { adminPool, dropSchemas, freshSchema, noteSkipWithoutPg, PG_URL, recordingPool } from '../helpers/pg.js';

noteSkipWithoutPg('test/store/postgres-plans.test.ts');
afterAll(dropSchemas);

/** A batch creating 64 new streams, as the saga engine's starts do: one statement, and a lookup of 64 names. */
function newStreams(tag: string): AppendRequest[] {
  return Array.from({ length: 64 }, (_, i) => ({ stream: `${tag}-${i}`, records: [{ type: 'x', data: undefined }], expectedSeq: 0, at: new Date() }));
}

describe.skipIf(!PG_URL)('PostgreSQL plans as the tables grow', () => {
  it('remakes a connection plan made while the streams table was small, so appends do not scan the grown table', async () => {
    const schema = freshSchema('plans');
    const quoted = pg.escapeIdentifier(schema);
    const admin = adminPool();
    // One connection, so every batch runs on the connection whose plans are under test.
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
    const store = new PgStore({ pool, schema });
    const journal = await openStore(store);
    const fill = (from: number, to: number) =>
      admin.query(`INSERT INTO ${quoted}.rewind_streams (stream, last_seq, updated_at) SELECT 'filler-' || g, 0, now() FROM generate_series($1::int, $2::int) g`, [
        from,
        to,
      ]);
    // Stats reach pg_stat_user_tables when a backend flushes them, at most once a second on
    // its own; the store's connection is asked to flush at once (PostgreSQL 15 and later).
    const sequentialReads = async (): Promise<number> => {
      await pool.query('SELECT pg_stat_force_next_flush()');
      await pool.query('SELECT 1');
      const row = (await admin.query('SELECT seq_tup_read::int8::text AS n FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2', [schema, 'rewind_streams']))
        .rows[0] as { n: string };
      return Number(row.n);
    };
    try {
      // A thousand streams: a size at which the server's generic plan for a lookup of 64
      // names is a sequential scan. The plan is made here, once the server has tried five
      // custom ones.
      await fill(1, 1_000);
      for (let batch = 0; batch < 8; batch++) await store.appendBatch(newStreams(`early-${batch}`));
      // The table grows fiftyfold, with no ANALYZE to invalidate the plan.
      await fill(1_001, 50_000);
      const before = await sequentialReads();
      for (let batch = 0; batch < 10; batch++) await store.appendBatch(newStreams(`late-${batch}`));
      const read = (await sequentialReads()) - before;
      // The first late batch may still run the old plan, and its ids show the growth; the
      // rest run plans remade for 50,000 rows. Ten batches on a plan kept as it was would
      // read 500,000 rows.
      expect(read).toBeLessThan(2 * 50_000);
      const appended = await store.listStreams({ prefix: 'late-' });
      expect(appended).toHaveLength(640);
    } finally {
      await journal.close();
      await pool.end();
    }
  });

  it('remakes plans a few times as the table grows, not on every borrow', async () => {
    const { pool, texts: sent } = recordingPool();
    const store = new PgStore({ pool, schema: freshSchema('plans') });
    const journal = await openStore(store);
    try {
      for (let batch = 0; batch < 30; batch++) await store.appendBatch(newStreams(`grow-${batch}`));
      // 1,920 streams: remade at about 256, 650, 1,150 and 1,700 (a quarter more each time,
      // and at least 256), where one per borrow would be 30.
      const discards = sent.filter((text) => text === 'DISCARD PLANS').length;
      expect(discards).toBeGreaterThanOrEqual(2);
      expect(discards).toBeLessThanOrEqual(6);
    } finally {
      await journal.close();
      await pool.end();
    }
  });
});
