import { afterAll, describe, expect, it } from 'vitest';
import type { AppendRequest } from '../../src/store/index.js';
import { openStore } from '../../src/store/index.js';
import { SqliteAppender, STREAM_CACHE_SIZE } from '../../src/store/sqlite/sqlite-append.js';
import { configure, migrate } from '../../src/store/sqlite/sqlite-schema.js';
import { rawDatabase, removeTempDirs, tempDbPath } from './helpers.js';

afterAll(removeTempDirs);

const at = new Date(1_700_000_000_000);
const req = (stream: string, types: string[], expectedSeq?: number): AppendRequest => ({
  stream,
  records: types.map((type) => ({ type, data: JSON.stringify(type) })),
  expectedSeq,
  at,
});

/** A migrated journal file with a raw connection and an appender on it. */
function journal(): { path: string; db: ReturnType<typeof rawDatabase>; appender: SqliteAppender } {
  const path = tempDbPath();
  const db = rawDatabase(path);
  configure(db, path, 'none');
  migrate(db, path);
  return { path, db, appender: new SqliteAppender(db) };
}

function lastSeqs(db: ReturnType<typeof rawDatabase>): Record<string, number> {
  const rows = db.prepare('SELECT stream, last_seq FROM rewind_streams ORDER BY stream').all() as { stream: string; last_seq: number }[];
  return Object.fromEntries(rows.map((r) => [r.stream, r.last_seq]));
}

describe('SqliteAppender', () => {
  it('checks and numbers several appends to one stream in one batch, in order, conflicts writing nothing', () => {
    const { db, appender } = journal();
    expect(appender.append([
      req('s', ['a'], 0),
      req('s', ['b', 'c']),
      req('s', ['late'], 1),
      req('t', ['x'], 3),
      req('s', ['d'], 3),
      req('t', ['y'], 0),
    ])).toEqual([
      { status: 'appended', firstSeq: 1, lastSeq: 1 },
      { status: 'appended', firstSeq: 2, lastSeq: 3 },
      { status: 'conflict', actualSeq: 3 },
      { status: 'conflict', actualSeq: 0 },
      { status: 'appended', firstSeq: 4, lastSeq: 4 },
      { status: 'appended', firstSeq: 1, lastSeq: 1 },
    ]);
    expect(lastSeqs(db)).toEqual({ s: 4, t: 1 });
    const rows = db.prepare("SELECT seq, type FROM rewind_records WHERE stream_id = (SELECT id FROM rewind_streams WHERE stream = 's') ORDER BY seq").all();
    expect(rows).toEqual([{ seq: 1, type: 'a' }, { seq: 2, type: 'b' }, { seq: 3, type: 'c' }, { seq: 4, type: 'd' }]);
    db.close();
  });

  it('inserts batches of any size through its multi-row statements', () => {
    const { db, appender } = journal();
    for (const size of [1, 63, 64, 65, 200, 1000]) {
      const stream = `n-${size}`;
      const out = appender.append(Array.from({ length: size }, (_, i) => req(stream, [`r${i}`], i)));
      expect(out.at(-1)).toEqual({ status: 'appended', firstSeq: size, lastSeq: size });
      const seqs = (db.prepare('SELECT seq FROM rewind_records r JOIN rewind_streams s ON s.id = r.stream_id WHERE s.stream = ? ORDER BY seq').all(stream) as { seq: number }[]).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: size }, (_, i) => i + 1));
    }
    db.close();
  });

  it('notices a write by another connection and reads the stream again', () => {
    const { path, db, appender } = journal();
    appender.append([req('s', ['a'])]);
    const other = rawDatabase(path);
    other.exec("UPDATE rewind_streams SET last_seq = 7 WHERE stream = 's'");
    other.close();
    expect(appender.append([req('s', ['b'], 1)])).toEqual([{ status: 'conflict', actualSeq: 7 }]);
    expect(appender.append([req('s', ['b'], 7)])).toEqual([{ status: 'appended', firstSeq: 8, lastSeq: 8 }]);
    db.close();
  });

  it('forgets what it cached when a batch fails, so the rollback cannot leave it out of step', () => {
    const { db, appender } = journal();
    appender.append([req('s', ['a'])]);
    db.exec("CREATE TRIGGER refuse BEFORE INSERT ON rewind_records WHEN NEW.type = 'poison' BEGIN SELECT RAISE(ABORT, 'refused'); END");
    expect(() => appender.append([req('s', ['b']), req('s', ['poison'])])).toThrow('refused');
    expect(db.inTransaction).toBe(false);
    expect(lastSeqs(db)).toEqual({ s: 1 });
    expect(appender.append([req('s', ['c'], 1)])).toEqual([{ status: 'appended', firstSeq: 2, lastSeq: 2 }]);
    db.close();
  });

  it('through the journal, a record the database refuses fails only its own append; the rest of its batch commits', async () => {
    const path = tempDbPath();
    await (await openStore(`sqlite:${path}`)).close();
    const raw = rawDatabase(path);
    raw.exec("CREATE TRIGGER refuse BEFORE INSERT ON rewind_records WHEN NEW.type = 'poison' BEGIN SELECT RAISE(ABORT, 'refused'); END");
    raw.close();
    const journal = await openStore(`sqlite:${path}`);
    await journal.append('s', [{ type: 'first' }]);
    const results = await Promise.allSettled([
      journal.append('s', [{ type: 'a' }]),
      journal.append('t', [{ type: 'poison' }]),
      journal.append('s', [{ type: 'b' }], { expectedSeq: 2 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await journal.read('s')).map((r) => r.type)).toEqual(['first', 'a', 'b']);
    expect(await journal.read('t')).toEqual([]);
    await journal.close();
  });

  it('keeps working past its cache bound, reading forgotten streams again', () => {
    const { db, appender } = journal();
    const streams = STREAM_CACHE_SIZE + 50;
    for (let base = 0; base < streams; base += 1000) {
      appender.append(Array.from({ length: Math.min(1000, streams - base) }, (_, i) => req(`s-${base + i}`, ['a'], 0)));
    }
    // The first streams were evicted; their state comes from the database.
    expect(appender.append([req('s-0', ['b'], 1), req(`s-${streams - 1}`, ['b'], 1)])).toEqual([
      { status: 'appended', firstSeq: 2, lastSeq: 2 },
      { status: 'appended', firstSeq: 2, lastSeq: 2 },
    ]);
    db.close();
  });

  it('records the commit time of its last append on the stream', async () => {
    const path = tempDbPath();
    const journal = await openStore(`sqlite:${path}`);
    await journal.append('s', [{ type: 'a' }]);
    const [info] = await journal.streams();
    expect(Math.abs(info!.updatedAt.getTime() - Date.now())).toBeLessThan(5000);
    await journal.close();
  });
});
