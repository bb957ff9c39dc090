import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { openStore, StoreUnsupportedError, type OpenStoreOptions } from '../../src/store/index.js';
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
    expect((error as Error).message).toContain('"sqlite:<path>", "sqlite::memory:", ":memory:"');
  });

  it('refuses postgres:// URLs with StoreUnsupportedError until PostgreSQL support ships, without echoing a password', async () => {
    for (const spec of ['postgres://app:secret@localhost/rewind', 'postgresql://localhost/rewind']) {
      const error = await openStore(spec).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnsupportedError);
      expect((error as Error).message).toContain('PostgreSQL stores are not supported');
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
