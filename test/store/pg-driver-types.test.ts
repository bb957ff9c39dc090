import type pg from 'pg';
import { describe, expectTypeOf, it } from 'vitest';
import type { PgPool, PgPoolClient } from '../../src/store/postgres/index.js';

describe('PostgreSQL driver types', () => {
  it('are satisfied by the real pg Pool and PoolClient', () => {
    expectTypeOf<pg.Pool>().toExtend<PgPool>();
    expectTypeOf<pg.PoolClient>().toExtend<PgPoolClient>();
  });
});
