import type BetterSqlite3 from 'better-sqlite3';
import { describe, expectTypeOf, it } from 'vitest';
import type { SqliteDatabase, SqliteDatabaseConstructor } from '../../src/store/sqlite/index.js';

describe('SQLite driver types', () => {
  it('are satisfied by the real better-sqlite3 Database and constructor', () => {
    expectTypeOf<BetterSqlite3.Database>().toExtend<SqliteDatabase>();
    expectTypeOf<typeof BetterSqlite3>().toExtend<SqliteDatabaseConstructor>();
  });
});
