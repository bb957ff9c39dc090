import { afterAll, describe, expect, it } from 'vitest';
import { JournalCorruptError, openStore, type StoreWarning } from '../../src/store/index.js';
import { removeTempDirs, tempDbPath, withRawDatabase } from './helpers.js';

afterAll(removeTempDirs);

/** A journal file with streams `a` (5 records) and `b` (3 records). */
async function journalFile(): Promise<string> {
  const path = tempDbPath();
  const journal = await openStore(`sqlite:${path}`);
  await journal.append('a', [1, 2, 3, 4, 5].map((n) => ({ type: 'n', data: { n } })));
  await journal.append('b', [1, 2, 3].map((n) => ({ type: 'n', data: { n } })));
  await journal.close();
  return path;
}

function corrupt(path: string, stream: string, seq: number, data = '{"n":999}'): void {
  withRawDatabase(path, (db) => {
    expect(db.prepare('UPDATE rewind_records SET data = ? WHERE stream_id = (SELECT id FROM rewind_streams WHERE stream = ?) AND seq = ?').run(data, stream, seq).changes).toBe(1);
  });
}

async function reopen(path: string): Promise<{ journal: Awaited<ReturnType<typeof openStore>>; warnings: StoreWarning[] }> {
  const warnings: StoreWarning[] = [];
  const journal = await openStore(`sqlite:${path}`, { onWarning: (w) => warnings.push(w) });
  return { journal, warnings };
}

describe('SqliteStore record integrity', () => {
  it('opens a healthy journal without warnings', async () => {
    const { journal, warnings } = await reopen(await journalFile());
    expect(warnings).toEqual([]);
    await journal.close();
  });

  it('cuts a torn tail on open and warns naming the stream and the seqs lost', async () => {
    const path = await journalFile();
    corrupt(path, 'a', 5);
    corrupt(path, 'a', 4, null as unknown as string);
    const { journal, warnings } = await reopen(path);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ kind: 'torn-tail-cut', stream: 'a', fromSeq: 4, toSeq: 5, url: `sqlite:${path}` });
    expect(warnings[0]!.message).toContain('"a"');
    expect(warnings[0]!.message).toContain('records 4..5');
    expect((await journal.read('a')).map((r) => r.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect((await journal.read('b')).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect((await journal.streams({ prefix: 'a' }))[0]!.lastSeq).toBe(3);
    expect(await journal.append('a', [{ type: 'after-cut' }], { expectedSeq: 3 })).toMatchObject({ firstSeq: 4 });
    await journal.close();
    withRawDatabase(path, (db) => {
      expect(db.prepare('SELECT stream, seq, data FROM rewind_cut_records ORDER BY seq').all()).toEqual([
        { stream: 'a', seq: 4, data: null },
        { stream: 'a', seq: 5, data: '{"n":999}' },
      ]);
    });
    expect((await reopen(path)).warnings).toEqual([]);
  });

  it('cuts a stream whose every record is torn, and the stream no longer exists', async () => {
    const path = await journalFile();
    for (const seq of [1, 2, 3]) corrupt(path, 'b', seq);
    const { journal, warnings } = await reopen(path);
    expect(warnings.map((w) => w.message)).toEqual([expect.stringContaining('records 1..3') as string]);
    expect((await journal.streams()).map((s) => s.stream)).toEqual(['a']);
    expect(await journal.append('b', [{ type: 'again' }], { expectedSeq: 0 })).toMatchObject({ firstSeq: 1 });
    await journal.close();
  });

  it('treats a last record that is missing as a torn tail too', async () => {
    const path = await journalFile();
    withRawDatabase(path, (db) => {
      db.prepare("DELETE FROM rewind_records WHERE stream_id = (SELECT id FROM rewind_streams WHERE stream = 'b') AND seq = 3").run();
    });
    const { journal, warnings } = await reopen(path);
    expect(warnings).toMatchObject([{ stream: 'b', fromSeq: 3, toSeq: 3 }]);
    expect(warnings[0]!.message).toContain('record 3 was lost');
    await journal.close();
  });

  it('reports a corrupted record inside a stream as JournalCorruptError naming stream and seq, and never skips it', async () => {
    const path = await journalFile();
    corrupt(path, 'a', 2);
    const { journal, warnings } = await reopen(path);
    expect(warnings).toEqual([]);
    const error = await journal.read('a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect(error).toMatchObject({ code: 'JOURNAL_CORRUPT', stream: 'a', seq: 2, url: `sqlite:${path}` });
    expect((error as Error).message).toContain('Record 2 of stream "a"');
    expect((await journal.read('a', { fromSeq: 3 })).map((r) => r.seq)).toEqual([3, 4, 5]);
    await journal.close();
  });

  it('reports a record missing inside a stream as JournalCorruptError', async () => {
    const path = await journalFile();
    withRawDatabase(path, (db) => {
      db.prepare("DELETE FROM rewind_records WHERE stream_id = (SELECT id FROM rewind_streams WHERE stream = 'a') AND seq = 3").run();
    });
    const { journal } = await reopen(path);
    await expect(journal.read('a')).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT', seq: 3 });
    await journal.close();
  });

  it('detects a record moved to another seq or stream, since both are part of its checksum', async () => {
    const path = await journalFile();
    withRawDatabase(path, (db) => {
      const a = "(SELECT id FROM rewind_streams WHERE stream = 'a')";
      db.exec(`UPDATE rewind_records SET seq = 99 WHERE stream_id = ${a} AND seq = 1`);
      db.exec(`UPDATE rewind_records SET seq = 1 WHERE stream_id = ${a} AND seq = 2`);
      db.exec(`UPDATE rewind_records SET seq = 2 WHERE stream_id = ${a} AND seq = 99`);
    });
    const { journal } = await reopen(path);
    await expect(journal.read('a')).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT', seq: 1 });
    await journal.close();
    const other = await journalFile();
    withRawDatabase(other, (db) => {
      const id = (stream: string): number => (db.prepare('SELECT id FROM rewind_streams WHERE stream = ?').get(stream) as { id: number }).id;
      db.prepare('UPDATE rewind_records SET seq = 99 WHERE stream_id = ? AND seq = 1').run(id('a'));
      db.prepare('UPDATE rewind_records SET stream_id = ? WHERE stream_id = ? AND seq = 1').run(id('a'), id('b'));
    });
    const swapped = await reopen(other);
    await expect(swapped.journal.read('a')).rejects.toMatchObject({ code: 'JOURNAL_CORRUPT', stream: 'a', seq: 1 });
    await swapped.journal.close();
  });
});
