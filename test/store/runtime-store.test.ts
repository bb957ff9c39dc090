import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  openStore,
  type AppendOutcome,
  type AppendRequest,
  type JournalStore,
  type StoreOpenContext,
} from '../../src/store/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { removeTempDirs, tempDbPath, withRawDatabase } from './helpers.js';

afterAll(removeTempDirs);

/**
 * A real SQLite store behind a filter that lets the test decide what the database refuses:
 * here, any batch holding a record of type `poison`, as a database refuses one value that
 * is too big for it (an error the adapter does not classify).
 */
class RefusingStore implements JournalStore {
  readonly inner = new SqliteStore({ database: ':memory:' });
  batches: number[] = [];
  get url(): string {
    return this.inner.url;
  }
  open(context: StoreOpenContext): Promise<void> {
    return this.inner.open(context);
  }
  appendBatch(requests: readonly AppendRequest[]): Promise<AppendOutcome[]> {
    this.batches.push(requests.length);
    if (requests.some((r) => r.records.some((record) => record.type === 'poison'))) {
      return Promise.reject(new RangeError('value too big'));
    }
    return this.inner.appendBatch(requests);
  }
  read: JournalStore['read'] = (stream, range) => this.inner.read(stream, range);
  listStreams: JournalStore['listStreams'] = (filter) => this.inner.listStreams(filter);
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('runtime journal', () => {
  it('an append the store refuses on its own fails alone; the others of its batch commit', async () => {
    const store = new RefusingStore();
    const journal = await openStore(store);
    const results = await Promise.allSettled([
      journal.append('a', [{ type: 'ok' }]),
      journal.append('b', [{ type: 'poison' }]),
      journal.append('c', [{ type: 'ok' }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(RangeError);
    expect(store.batches).toEqual([3, 1, 1, 1]);
    expect((await journal.streams()).map((s) => s.stream)).toEqual(['a', 'c']);
    await journal.close();
  });

  it('refuses to open one store instance in two journals', async () => {
    const store = new SqliteStore({ database: ':memory:' });
    const journal = await openStore(store);
    await expect(openStore(store)).rejects.toBeInstanceOf(InvalidArgumentError);
    await journal.close();
  });

  it('refuses an object that is not a JournalStore, naming what it lacks', async () => {
    const error = await openStore({ url: 'x', open: () => Promise.resolve() } as unknown as JournalStore).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).message).toContain('appendBatch, read, listStreams, close');
  });

  it('sends warnings to process.emitWarning when no onWarning is given', async () => {
    const path = tempDbPath();
    const journal = await openStore(`sqlite:${path}`);
    await journal.append('s', [{ type: 'x' }, { type: 'y' }]);
    await journal.close();
    withRawDatabase(path, (db) => {
      db.exec("UPDATE rewind_records SET type = 'z' WHERE seq = 2");
    });
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    const reopened = await openStore(`sqlite:${path}`);
    const warning = await warned;
    expect(warning.name).toBe('RewindWarning');
    expect((warning as Error & { code?: string }).code).toBe('REWIND_TORN_TAIL_CUT');
    expect(warning.message).toContain('stream "s"');
    await reopened.close();
  });

  it('a listener that throws does not fail the open that reported the warning', async () => {
    const path = tempDbPath();
    const journal = await openStore(`sqlite:${path}`);
    await journal.append('s', [{ type: 'x' }]);
    await journal.close();
    withRawDatabase(path, (db) => {
      db.exec("UPDATE rewind_records SET type = 'z'");
    });
    const rethrown = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
    const reopened = await openStore(`sqlite:${path}`, {
      onWarning: () => {
        throw new Error('listener bug');
      },
    });
    expect(await rethrown).toMatchObject({ message: 'listener bug' });
    expect(await reopened.streams()).toEqual([]);
    await reopened.close();
  });
});
