import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, StoreFormatError, StoreSchemaVersionError } from '../../src/store/index.js';
import { APPLICATION_ID, SCHEMA_VERSION } from '../../src/store/sqlite/index.js';
import { fileBytes, removeTempDirs, tempDbPath, withRawDatabase } from './helpers.js';

afterAll(removeTempDirs);

/** Opens `path` expecting a refusal, and checks that the file's bytes did not change. */
async function expectRefusedUntouched(path: string): Promise<unknown> {
  const before = fileBytes(path);
  const error = await openStore(`sqlite:${path}`).catch((e: unknown) => e);
  expect(fileBytes(path).equals(before)).toBe(true);
  expect(existsSync(`${path}-wal`)).toBe(false);
  return error;
}

describe('SqliteStore refuses files that are not its journals', () => {
  it('refuses a file of random bytes with StoreFormatError naming the file, and leaves it unchanged', async () => {
    const path = tempDbPath('random.db');
    writeFileSync(path, randomBytes(8192));
    const error = await expectRefusedUntouched(path);
    expect(error).toBeInstanceOf(StoreFormatError);
    expect((error as StoreFormatError).url).toBe(`sqlite:${path}`);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('not a SQLite database');
  });

  it('refuses a short text file and leaves it unchanged', async () => {
    const path = tempDbPath('notes.txt');
    writeFileSync(path, 'remember the milk\n');
    expect(await expectRefusedUntouched(path)).toBeInstanceOf(StoreFormatError);
  });

  it('refuses a SQLite file with the right header but damaged contents, through the driver', async () => {
    const path = tempDbPath('damaged.db');
    withRawDatabase(path, (db) => {
      db.exec('CREATE TABLE t (x)');
    });
    const bytes = fileBytes(path);
    bytes.fill(0xa5, 16, bytes.length);
    writeFileSync(path, bytes);
    const error = await expectRefusedUntouched(path);
    expect(error).toBeInstanceOf(StoreFormatError);
    expect((error as Error).message).toContain(path);
  });

  it('refuses another application\'s SQLite database, naming its tables, and leaves it unchanged', async () => {
    const path = tempDbPath('shop.db');
    withRawDatabase(path, (db) => {
      db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada')");
      db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY)');
    });
    const error = await expectRefusedUntouched(path);
    expect(error).toBeInstanceOf(StoreFormatError);
    expect((error as StoreFormatError).problem).toContain('customers, orders');
    withRawDatabase(path, (db) => {
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(db.prepare('SELECT name FROM customers').all()).toEqual([{ name: 'Ada' }]);
    });
  });

  it('refuses an empty SQLite database that carries another application id', async () => {
    const path = tempDbPath('other-app.db');
    withRawDatabase(path, (db) => {
      db.pragma('application_id = 1234');
    });
    const error = await expectRefusedUntouched(path);
    expect((error as StoreFormatError).problem).toContain('application_id 0x4d2');
  });

  it('refuses a file marked as a Rewind journal that has no schema table as damaged', async () => {
    const path = tempDbPath('half.db');
    withRawDatabase(path, (db) => {
      db.pragma(`application_id = ${APPLICATION_ID}`);
      db.exec('CREATE TABLE something_else (x)');
    });
    const error = await expectRefusedUntouched(path);
    expect((error as StoreFormatError).problem).toContain('no rewind_schema table');
  });

  it('refuses a schema version newer than the code with StoreSchemaVersionError, writing nothing', async () => {
    const path = tempDbPath();
    const journal = await openStore(`sqlite:${path}`);
    await journal.append('s', [{ type: 'x' }]);
    await journal.close();
    withRawDatabase(path, (db) => {
      db.prepare('INSERT INTO rewind_schema (version, name, applied_at) VALUES (?, ?, ?)').run(SCHEMA_VERSION + 1, 'from-the-future', 0);
      db.pragma('journal_mode = DELETE');
    });
    const error = await expectRefusedUntouched(path);
    expect(error).toBeInstanceOf(StoreSchemaVersionError);
    expect(error).toMatchObject({ found: SCHEMA_VERSION + 1, supported: SCHEMA_VERSION, url: `sqlite:${path}` });
  });

  it('adopts an empty file, as SQLite treats it as an empty database', async () => {
    const path = tempDbPath('empty.db');
    writeFileSync(path, '');
    const journal = await openStore(`sqlite:${path}`);
    await journal.append('s', [{ type: 'x' }]);
    await journal.close();
  });
});
