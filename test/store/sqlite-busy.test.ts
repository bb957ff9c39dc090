import { afterAll, describe, expect, it } from 'vitest';
import { isRewindError } from '../../src/errors.js';
import { openStore, StoreUnavailableError } from '../../src/store/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { rawDatabase, removeTempDirs, tempDbPath } from './helpers.js';

afterAll(removeTempDirs);

async function existingJournal(): Promise<string> {
  const path = tempDbPath();
  await (await openStore(`sqlite:${path}`)).close();
  return path;
}

describe('SqliteStore under a lock held by another connection', () => {
  it('fails open with a retryable StoreUnavailableError (SQLITE_BUSY), and the same store opens once the lock is gone', async () => {
    const path = await existingJournal();
    const holder = rawDatabase(path);
    holder.exec('BEGIN IMMEDIATE');
    const store = new SqliteStore({ database: path, busyTimeout: 50 });
    const error = await openStore(store).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ retryable: true, operation: 'open', url: `sqlite:${path}` });
    expect((error as StoreUnavailableError).driverCode).toMatch(/^SQLITE_BUSY/);
    holder.exec('ROLLBACK');
    holder.close();
    const journal = await openStore(store);
    await journal.append('s', [{ type: 'x' }]);
    await journal.close();
  });

  it('fails every append of a batch with a retryable StoreUnavailableError, writing nothing, and appends again later', async () => {
    const path = await existingJournal();
    const journal = await openStore(new SqliteStore({ database: path, busyTimeout: 50 }));
    const holder = rawDatabase(path);
    holder.exec('BEGIN IMMEDIATE');
    const results = await Promise.allSettled([1, 2, 3].map((n) => journal.append(`s-${n}`, [{ type: 'x' }])));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as unknown;
      expect(isRewindError(reason, 'STORE_UNAVAILABLE')).toBe(true);
      expect((reason as StoreUnavailableError).retryable).toBe(true);
    }
    holder.exec('ROLLBACK');
    holder.close();
    expect(await journal.streams()).toEqual([]);
    expect(await journal.append('s-1', [{ type: 'x' }], { expectedSeq: 0 })).toMatchObject({ lastSeq: 1 });
    await journal.close();
  });
});
