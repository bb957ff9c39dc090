import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type OpenStoreOptions } from '../../src/store/index.js';
import { recordChecksum } from '../../src/store/checksum.js';
import { PgStore } from '../../src/store/postgres/index.js';
import { PG_SCHEMA_VERSION } from '../../src/store/postgres/pg-schema.js';
import { until } from '../helpers/until.js';
import { adminPool, dropSchemas, freshSchema, noteSkipWithoutPg, PG_URL, pgUrlWithSchema, recordingPool } from '../helpers/pg.js';
import { describeJournalStoreContract } from './contract.suite.js';

noteSkipWithoutPg('test/store/postgres.test.ts');

afterAll(dropSchemas);

const openFresh = (options?: OpenStoreOptions) => openStore(pgUrlWithSchema(freshSchema('contract')), options);

describe.skipIf(!PG_URL)('PostgreSQL store', () => {
  describeJournalStoreContract('postgres, durability always', openFresh);
  describeJournalStoreContract('postgres, durability interval', (options) =>
    openFresh({ ...options, durability: 'interval', syncInterval: 10 }));
  describeJournalStoreContract('postgres, durability none', (options) => openFresh({ ...options, durability: 'none' }));

  it('creates its schema on open, records the schema version, and reopens without migrating again', async () => {
    const schema = freshSchema();
    const first = await openStore(pgUrlWithSchema(schema));
    await first.append('s', [{ type: 'x' }]);
    await first.close();
    const second = await openStore(pgUrlWithSchema(schema));
    expect((await second.read('s')).map((r) => r.type)).toEqual(['x']);
    await second.close();
    const versions = await adminPool().query(`SELECT version, name FROM ${pg.escapeIdentifier(schema)}.rewind_schema ORDER BY version`);
    expect(versions.rows).toEqual([
      { version: 1, name: 'create-journal' },
      { version: 2, name: 'create-work' },
    ]);
    expect(PG_SCHEMA_VERSION).toBe(2);
  });

  it('names the store by a URL without its password, with the schema, and says what it can do', async () => {
    const schema = freshSchema();
    const url = new URL(PG_URL!);
    url.password = 'hunter2';
    const store = new PgStore({ connectionString: url.toString(), schema });
    expect(store.url).not.toContain('hunter2');
    expect(store.url).toContain(`schema=${schema}`);
    expect(store.capabilities).toEqual({ transactionalSteps: true, multiProcess: true, skipLocked: true });
    const journal = await openStore(store);
    expect(journal.url).toBe(store.url);
    expect(journal.capabilities).toEqual(store.capabilities);
    expect(journal.coordination).toBeDefined();
    await journal.close();
  });

  it("borrows a user's pool without ending it on close, and without leaving listeners on it", async () => {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 3 });
    try {
      const before = pool.listenerCount('error');
      const journal = await openStore(new PgStore({ pool, schema: freshSchema() }));
      await journal.append('s', [{ type: 'x' }]);
      await journal.close();
      expect(pool.ended).toBe(false);
      expect(pool.listenerCount('error')).toBe(before);
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('prepares the append statements once per connection and runs them as named statements after that', async () => {
    // One connection, so the store's statements and this check share its session.
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
    try {
      const journal = await openStore(new PgStore({ pool, schema: freshSchema() }));
      for (let i = 0; i < 10; i++) await journal.append('s', [{ type: 'x' }], { expectedSeq: i });
      await journal.close();
      const { rows } = await pool.query<{ name: string; runs: string }>(
        `SELECT name, (generic_plans + custom_plans)::text AS runs FROM pg_prepared_statements WHERE statement LIKE '%INSERT INTO%rewind_records%'`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.name).toMatch(/^rewind_[0-9a-f]{24}$/);
      expect(Number(rows[0]!.runs)).toBe(10);
    } finally {
      await pool.end();
    }
  });

  it("reads the journal the same through a pool whose type parsers were changed", async () => {
    const types = new pg.TypeOverrides();
    types.setTypeParser(20, (v: string) => BigInt(v)); // int8
    types.setTypeParser(1184, (v: string) => `ts:${v}`); // timestamptz
    types.setTypeParser(23, (v: string) => `int4:${v}`); // int4
    const pool = new pg.Pool({ connectionString: PG_URL, types });
    try {
      const schema = freshSchema();
      await (await openStore(new PgStore({ pool, schema }))).close();
      // Opened again: the second open reads the schema version through the same parsers.
      const journal = await openStore(new PgStore({ pool, schema }));
      await journal.append('s', [{ type: 'a', data: { n: 1 } }, { type: 'b' }]);
      const records = await journal.read('s');
      expect(records.map((r) => [r.seq, r.type, r.data])).toEqual([[1, 'a', { n: 1 }], [2, 'b', undefined]]);
      expect(records[0]!.at).toBeInstanceOf(Date);
      expect((await journal.streams())[0]).toMatchObject({ stream: 's', lastSeq: 2 });
      await journal.close();
    } finally {
      await pool.end();
    }
  });

  it('commits under interval and none with synchronous_commit off, and under always with it on', async () => {
    for (const [durability, expected] of [['always', 'on'], ['interval', 'off'], ['none', 'off']] as const) {
      const schema = freshSchema();
      const journal = await openStore(pgUrlWithSchema(schema), { durability });
      // A record written by a trigger would be overkill; the setting inside a transaction
      // the store began is visible through appendInTransaction's tx.
      const result = await journal.coordination!.appendInTransaction('s', async (tx) => {
        const { rows } = await tx.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s");
        return [{ type: 'setting', data: rows[0]!.s }];
      });
      expect(result.lastSeq).toBe(1);
      expect((await journal.read('s'))[0]!.data, durability).toBe(expected);
      await journal.close();
    }
  });

  it('interval durability forces a WAL flush periodically, and only after something was committed', async () => {
    const journal = await openStore(pgUrlWithSchema(freshSchema()), { durability: 'interval', syncInterval: 20 });
    await journal.append('s', [{ type: 'x' }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const afterWrite = journal.stats().syncs;
    expect(afterWrite).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(journal.stats().syncs).toBe(afterWrite);
    await journal.close();
  });

  it('detects a record changed under it, naming the stream and seq', async () => {
    const schema = freshSchema();
    const journal = await openStore(pgUrlWithSchema(schema));
    await journal.append('s', [{ type: 'a', data: 1 }, { type: 'b', data: 2 }, { type: 'c', data: 3 }]);
    await adminPool().query(`UPDATE ${pg.escapeIdentifier(schema)}.rewind_records SET data = '20' WHERE seq = 2`);
    await expect(journal.read('s')).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT', stream: 's', seq: 2 });
    expect((await journal.read('s', { limit: 1 })).map((r) => r.data)).toEqual([1]);
    await adminPool().query(`DELETE FROM ${pg.escapeIdentifier(schema)}.rewind_records WHERE seq = 2`);
    await expect(journal.read('s')).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT', seq: 2 });
    await journal.close();
  });

  it('appends a batch of conditional appends to distinct streams in one statement, with no transaction around it', async () => {
    const { pool, texts } = recordingPool();
    try {
      const journal = await openStore(new PgStore({ pool, schema: freshSchema() }));
      await journal.append('a', [{ type: 'x' }]);
      texts.length = 0;
      const results = await Promise.all([
        journal.append('a', [{ type: 'y' }, { type: 'z' }], { expectedSeq: 1 }),
        journal.append('b', [{ type: 'x' }], { expectedSeq: 0 }),
        journal.append('c', [{ type: 'x' }], { expectedSeq: 0 }),
      ]);
      expect(results.map((r) => [r.firstSeq, r.lastSeq])).toEqual([[2, 3], [1, 1], [1, 1]]);
      expect(texts).toHaveLength(1);
      expect(texts[0]).toMatch(/^WITH req AS/);
      expect((await journal.read('a')).map((r) => `${r.seq}${r.type}`)).toEqual(['1x', '2y', '3z']);
      expect((await journal.streams()).map((s) => [s.stream, s.lastSeq])).toEqual([['a', 3], ['b', 1], ['c', 1]]);
      await journal.close();
    } finally {
      await pool.end();
    }
  });

  it('a one-statement append sets its own durability: synchronous_commit off under interval and none, on under always (even where the server\'s default is off), with no BEGIN', async () => {
    const cases = [['always', 'on'], ['interval', 'off'], ['none', 'off'], ['always', 'on', '-c synchronous_commit=off']] as const;
    for (const [durability, expected, serverDefault] of cases) {
      const { pool, texts } = recordingPool(serverDefault);
      try {
        const schema = freshSchema();
        const journal = await openStore(new PgStore({ pool, schema }), { durability });
        // A trigger notes the setting in force as the records go in, in the append's own transaction.
        const q = pg.escapeIdentifier(schema);
        await adminPool().query(`CREATE TABLE ${q}.seen (setting text);
          CREATE FUNCTION ${q}.note_setting() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO ${q}.seen VALUES (current_setting('synchronous_commit')); RETURN NEW; END $$;
          CREATE TRIGGER note AFTER INSERT ON ${q}.rewind_records FOR EACH ROW EXECUTE FUNCTION ${q}.note_setting()`);
        texts.length = 0;
        await journal.append('s', [{ type: 'x' }], { expectedSeq: 0 });
        expect((await adminPool().query<{ setting: string }>(`SELECT setting FROM ${q}.seen`)).rows, durability).toEqual([{ setting: expected }]);
        // The interval policy's own periodic sync is a transaction of its own; the append is not in one.
        expect(texts.filter((t) => !t.includes('txid_current')), durability).toEqual([expect.stringMatching(/^WITH req AS/)]);
        // The setting lasted only as long as the append's transaction.
        expect((await pool.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s")).rows[0]!.s, durability).toBe(serverDefault === undefined ? 'on' : 'off');
        await journal.close();
      } finally {
        await pool.end();
      }
    }
  });

  it('settles a new stream that another transaction creates first through the stepwise path: a conflict if it committed, appended if it rolled back', async () => {
    const schema = freshSchema();
    const journal = await openStore(pgUrlWithSchema(schema));
    await journal.append('warm', [{ type: 'x' }]);
    const q = pg.escapeIdentifier(schema);
    const at = new Date();
    for (const ending of ['COMMIT', 'ROLLBACK'] as const) {
      const stream = `raced-${ending}`;
      const other = await adminPool().connect();
      try {
        await other.query('BEGIN');
        const { rows } = await other.query<{ id: string }>(
          `INSERT INTO ${q}.rewind_streams (stream, last_seq, updated_at) VALUES ($1, 1, $2) RETURNING id::text AS id`,
          [stream, at],
        );
        await other.query(`INSERT INTO ${q}.rewind_records (stream_id, seq, type, data, at, checksum) VALUES ($1, 1, 'theirs', NULL, $2, $3)`, [
          rows[0]!.id,
          at,
          recordChecksum(stream, 1, 'theirs', undefined, at.getTime()) | 0,
        ]);
        const append = journal.append(stream, [{ type: 'ours' }], { expectedSeq: 0 }).then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
        // The append's insert of the stream row waits on ours until we end our transaction.
        await until(async () => (await adminPool().query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`, [`%${schema}%`])).rowCount === 1, 5000, 'the append to wait on the lock');
        await other.query(ending);
        const settled = await append;
        if (ending === 'COMMIT') {
          expect(settled).toMatchObject({ error: { code: 'JOURNAL_CONFLICT', expectedSeq: 0, actualSeq: 1 } });
          expect((await journal.read(stream)).map((r) => r.type)).toEqual(['theirs']);
        } else {
          expect(settled).toMatchObject({ result: { firstSeq: 1, lastSeq: 1 } });
          expect((await journal.read(stream)).map((r) => r.type)).toEqual(['ours']);
        }
      } finally {
        other.release();
      }
    }
    await journal.close();
  });

  it('keeps every acknowledged record, without deadlocks, when one-statement and stepwise appends from several stores meet on the same streams', async () => {
    const schema = freshSchema();
    const journals = await Promise.all(Array.from({ length: 3 }, () => openStore(pgUrlWithSchema(schema))));
    const streams = ['m-a', 'm-b', 'm-c'];
    const acknowledged: string[] = [];
    const conditional = async (journal: (typeof journals)[number], stream: string, tag: string): Promise<void> => {
      for (;;) {
        const lastSeq = (await journal.streams({ prefix: stream })).find((s) => s.stream === stream)?.lastSeq ?? 0;
        try {
          await journal.append(stream, [{ type: 'n', data: tag }], { expectedSeq: lastSeq });
          acknowledged.push(`${stream}:${tag}`);
          return;
        } catch (error) {
          if ((error as { code?: string }).code !== 'JOURNAL_CONFLICT') throw error;
        }
      }
    };
    await Promise.all(
      journals.flatMap((journal, j) =>
        Array.from({ length: 20 }, async (_, i) => {
          const stream = streams[(i + j) % streams.length]!;
          if (i % 3 === 0) {
            await journal.append(stream, [{ type: 'n', data: `u${j}-${i}` }]);
            acknowledged.push(`${stream}:u${j}-${i}`);
          } else {
            await conditional(journal, stream, `c${j}-${i}`);
          }
        }),
      ),
    );
    const stored: string[] = [];
    for (const stream of streams) {
      const records = await journals[0]!.read(stream);
      expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
      stored.push(...records.map((r) => `${stream}:${r.data as string}`));
    }
    expect(stored.sort()).toEqual(acknowledged.sort());
    await Promise.all(journals.map((j) => j.close()));
  });

  it('keeps every acknowledged record when several stores append to one stream at once', async () => {
    const schema = freshSchema();
    const journals = await Promise.all(Array.from({ length: 3 }, () => openStore(pgUrlWithSchema(schema))));
    const results = await Promise.all(
      journals.flatMap((journal, j) => Array.from({ length: 40 }, (_, i) => journal.append(i % 2 ? 'shared' : `own-${j}`, [{ type: 'n', data: [j, i] }]))),
    );
    const shared = results.filter((r) => r.stream === 'shared').map((r) => r.lastSeq).sort((a, b) => a - b);
    expect(shared).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect((await journals[0]!.read('shared')).map((r) => r.seq)).toEqual(shared);
    await Promise.all(journals.map((j) => j.close()));
  });
});
