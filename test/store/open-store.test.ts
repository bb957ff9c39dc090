import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { openStore, StoreUnavailableError, StoreUnsupportedError, type OpenStoreOptions } from '../../src/store/index.js';
import { removeTempDirs, tempDbPath } from './helpers.js';

afterAll(removeTempDirs);

describe('openStore', () => {
  it('opens sqlite:<path>, sqlite:///<absolute path>, sqlite::memory: and :memory:', async () => {
    const path = tempDbPath();
    for (const [spec, url] of [
      [`sqlite:${path}`, `sqlite:${path}`],
      [`sqlite://${path}`, `sqlite:${path}`],
      ['sqlite::memory:', 'sqlite::memory:'],
      [':memory:', 'sqlite::memory:'],
    ] as const) {
      const journal = await openStore(spec);
      expect(journal.url).toBe(url);
      expect(journal.durability).toBe('always');
      await journal.append('s', [{ type: 'x' }]);
      await journal.close();
    }
  });

  it('refuses an unknown scheme with InvalidArgumentError listing the supported ones, without echoing a password', async () => {
    for (const spec of ['mysql://root:hunter2@db/app', './rewind.db', 'sqlite:', '']) {
      const error = await openStore(spec).catch((e: unknown) => e);
      expect(error, spec).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toContain('sqlite:');
      expect((error as Error).message).not.toContain('hunter2');
    }
    const error = await openStore('mysql://root:hunter2@db/app').catch((e: unknown) => e);
    expect((error as Error).message).toContain('"sqlite:<path>", "sqlite::memory:", ":memory:", "postgres://');
  });

  it('refuses leases and work entries on a single-process store with StoreUnsupportedError, writing nothing', async () => {
    const journal = await openStore(':memory:');
    expect(journal.coordination).toBeUndefined();
    const lease = { stream: 's', owner: 'w', token: 1, expiresAt: new Date() };
    for (const options of [{ lease }, { work: { state: 'done' as const } }]) {
      const error = await journal.append('s', [{ type: 'x' }], options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnsupportedError);
      expect((error as Error).message).toContain('sqlite::memory:');
      expect((error as Error).message).toContain('multi-process store');
    }
    // Bad options are still reported as bad input first.
    await expect(journal.append('s', [{ type: 'x' }], { lease: { ...lease, token: 0 } })).rejects.toMatchObject({ path: 'options.lease.token' });
    expect(await journal.streams()).toEqual([]);
    await journal.close();
  });

  it('hands postgres:// and postgresql:// URLs to the PostgreSQL store, without echoing a password', async () => {
    // Port 1: nothing listens, so the open fails after the URL was understood.
    for (const spec of ['postgres://app:secret@127.0.0.1:1/rewind', 'postgresql://app:secret@127.0.0.1:1/rewind?schema=orders']) {
      const error = await openStore(spec).catch((e: unknown) => e);
      expect(error, spec).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).url).toMatch(/^postgres(ql)?:\/\/app@127\.0\.0\.1:1\/rewind\?schema=(rewind|orders)$/);
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('refuses invalid options with InvalidArgumentError naming the option, before opening anything', async () => {
    const bad: [unknown, string][] = [
      [{ durability: 'sometimes' }, 'options.durability'],
      [{ durability: 'always', syncInterval: 100 }, 'options.syncInterval'],
      [{ syncInterval: '1s' }, 'options.syncInterval'],
      [{ durability: 'interval', syncInterval: '2x' }, 'options.syncInterval'],
      [{ durability: 'interval', syncInterval: 0 }, 'options.syncInterval'],
      [{ onWarning: 'log' }, 'options.onWarning'],
      ['fast', 'options'],
    ];
    const path = tempDbPath();
    for (const [options, name] of bad) {
      const error = await openStore(`sqlite:${path}`, options as OpenStoreOptions).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).path).toBe(name);
    }
    const { existsSync } = await import('node:fs');
    expect(existsSync(path)).toBe(false);
  });

  it('accepts a syncInterval as a duration string with the interval policy', async () => {
    const journal = await openStore(':memory:', { durability: 'interval', syncInterval: '250ms' });
    expect(journal.durability).toBe('interval');
    await journal.close();
  });
});
