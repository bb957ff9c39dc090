import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { describeJournalStoreContract } from './contract.suite.js';
import { rawDatabase, removeTempDirs, tempDbPath } from './helpers.js';

afterAll(removeTempDirs);

describeJournalStoreContract('sqlite :memory:', (options) => openStore(':memory:', options));
describeJournalStoreContract('sqlite file, durability always', (options) => openStore(`sqlite:${tempDbPath()}`, options));
describeJournalStoreContract('sqlite file, durability interval', (options) =>
  openStore(`sqlite:${tempDbPath()}`, { ...options, durability: 'interval', syncInterval: 10 }));
describeJournalStoreContract('sqlite file, durability none', (options) =>
  openStore(`sqlite:${tempDbPath()}`, { ...options, durability: 'none' }));

describe('SqliteStore', () => {
  it('opens in WAL mode with synchronous=FULL for always and NORMAL for interval and none', async () => {
    const expected = { always: 2, interval: 1, none: 1 } as const;
    for (const durability of ['always', 'interval', 'none'] as const) {
      const db = rawDatabase(tempDbPath());
      const journal = await openStore(new SqliteStore({ database: db }), { durability });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(expected[durability]);
      expect(journal.durability).toBe(durability);
      await journal.close();
      expect(db.open).toBe(false);
    }
  });

  it('keeps every acknowledged record across close and reopen under each durability policy', async () => {
    for (const durability of ['always', 'interval', 'none'] as const) {
      const path = tempDbPath();
      const first = await openStore(`sqlite:${path}`, { durability });
      await Promise.all(Array.from({ length: 30 }, (_, i) => first.append(`s-${i % 3}`, [{ type: 'n', data: i }])));
      await first.close();
      const second = await openStore(`sqlite:${path}`, { durability });
      expect((await second.streams()).map((s) => s.lastSeq)).toEqual([10, 10, 10]);
      expect((await second.read('s-1')).map((r) => r.data)).toEqual([1, 4, 7, 10, 13, 16, 19, 22, 25, 28]);
      await second.close();
    }
  });

  it('interval durability fsyncs the WAL periodically, and only after something was committed', async () => {
    const journal = await openStore(`sqlite:${tempDbPath()}`, { durability: 'interval', syncInterval: 20 });
    await journal.append('s', [{ type: 'x' }]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const afterWrite = journal.stats().syncs;
    expect(afterWrite).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(journal.stats().syncs).toBe(afterWrite);
    await journal.close();
  });

  it('says through the journal what it can do: one writing process, no transactional steps', async () => {
    const journal = await openStore(`sqlite:${tempDbPath()}`);
    expect(journal.capabilities).toEqual({ transactionalSteps: false, multiProcess: false, skipLocked: false });
    await journal.close();
  });

  it('names the file by its absolute path in its URL', async () => {
    const path = tempDbPath();
    const journal = await openStore(`sqlite:${path}`);
    expect(journal.url).toBe(`sqlite:${path}`);
    await journal.close();
    const factory = new SqliteStore({ database: () => rawDatabase(path) });
    const viaFactory = await openStore(factory);
    expect(viaFactory.url).toBe(`sqlite:${path}`);
    await viaFactory.close();
    const memory = await openStore(':memory:');
    expect(memory.url).toBe('sqlite::memory:');
    await memory.close();
  });

  it('applies its migrations on open, in one transaction, and records the schema version', async () => {
    const path = tempDbPath();
    const journal = await openStore(`sqlite:${path}`);
    await journal.close();
    const db = rawDatabase(path);
    expect(db.prepare('SELECT version, name FROM rewind_schema').all()).toEqual([{ version: 1, name: 'create-journal' }]);
    expect(db.pragma('application_id', { simple: true })).toBe(0x52574e44);
    db.close();
    const again = await openStore(`sqlite:${path}`);
    await again.close();
    const check = rawDatabase(path);
    expect(check.prepare('SELECT count(*) AS n FROM rewind_schema').get()).toEqual({ n: 1 });
    check.close();
  });
});
