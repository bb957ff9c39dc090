/**
 * checkSaga on PostgreSQL (`scratch`): sagas with transactional steps are checked with every
 * case, a transactional step's success is a crash point whose writes are rolled back, and
 * each case's schema is dropped after it.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { checkSaga, saga, type CheckCase } from '../../src/saga/index.js';
import { PG_URL, adminPool, dropSchemas, freshSchema, noteSkipWithoutPg } from '../helpers/pg.js';

noteSkipWithoutPg('test/saga/check-pg.test.ts');
afterAll(dropSchemas);

const input = { orderId: 'check' };
const broken = (report: { cases: CheckCase[] }) => report.cases.filter((c) => c.violations.length > 0 || c.status === 'error');

/** An app schema with the table the transactional step writes its charges to. */
async function chargesTable(): Promise<string> {
  const app = freshSchema('check_app');
  await adminPool().query(`CREATE SCHEMA ${pg.escapeIdentifier(app)}`);
  const table = `${pg.escapeIdentifier(app)}.charges`;
  await adminPool().query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, key text NOT NULL, run text NOT NULL)`);
  return table;
}

/**
 * reserve (in memory), charge (a transactional insert, undone by a transactional delete),
 * ship (in memory). `calls` counts the charge function's calls per run, committed or not.
 * `refundTwice`: the refund is a plain compensation that fails when it already refunded.
 */
function payment(table: string, calls: Map<string, number>, refundTwice = false) {
  const reserved = new Set<string>();
  const shipped = new Set<string>();
  const refunded = new Set<string>();
  const undo = (set: Set<string>) => (ctx: { idempotencyKey: string }) => Promise.resolve(void set.delete(ctx.idempotencyKey));
  const charges = async (key: string) => Number((await adminPool().query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE key = $1`, [key])).rows[0]!.n);
  return saga<{ orderId: string }>('tx-payment', { retry: { attempts: 2 } })
    .step('reserve', { run: (ctx) => Promise.resolve(void reserved.add(ctx.idempotencyKey)), compensate: undo(reserved), verify: (ctx) => Promise.resolve(reserved.has(ctx.idempotencyKey)) })
    .step('charge', {
      transactional: async (tx, ctx) => {
        calls.set(ctx.runId, (calls.get(ctx.runId) ?? 0) + 1);
        await tx.query(`INSERT INTO ${table} (key, run) VALUES ($1, $2)`, [ctx.idempotencyKey, ctx.runId]);
        return { charged: 10 };
      },
      compensate: refundTwice
        ? async (ctx) => {
            if (refunded.has(ctx.idempotencyKey)) throw new Error('this charge was already refunded');
            refunded.add(ctx.idempotencyKey);
            await adminPool().query(`DELETE FROM ${table} WHERE key = $1`, [ctx.idempotencyKey]);
          }
        : {
            transactional: async (tx, ctx) => {
              await tx.query(`DELETE FROM ${table} WHERE key = $1`, [ctx.idempotencyKey]);
            },
          },
      verify: async (ctx) => {
        const n = await charges(ctx.idempotencyKey);
        if (n > 1) throw new Error(`charged ${n} times`);
        return n === 1;
      },
    })
    .step('ship', { run: (ctx) => Promise.resolve(void shipped.add(ctx.idempotencyKey)), compensate: undo(shipped), verify: (ctx) => Promise.resolve(shipped.has(ctx.idempotencyKey)) });
}

describe.skipIf(PG_URL === undefined)('checkSaga on PostgreSQL', () => {
  it('checks a saga with transactional steps: every case runs, none breaks a guarantee, and a crash as a transactional success is written rolls its writes back', async () => {
    const table = await chargesTable();
    const calls = new Map<string, number>();
    const report = await checkSaga(payment(table, calls), { input, scratch: PG_URL });
    expect(broken(report)).toEqual([]);
    const ids = report.cases.map((c) => c.id);
    expect(ids.slice(0, 4)).toEqual(['happy', 'fail-step:reserve', 'fail-step:charge', 'fail-step:ship']);
    expect(report.cases.find((c) => c.id === 'happy')?.status).toBe('completed');
    expect(report.cases.find((c) => c.id === 'fail-compensation:charge')).toMatchObject({
      status: 'compensated',
      description: expect.stringContaining('the compensation of "charge" fails every attempt after its writes, which roll back;') as string,
    });
    // The happy path appends the start, then each step's success (charge's in its own
    // transaction), then the completion: every one of them is a crash point.
    const happyCrashes = ids.filter((id) => id.startsWith('crash-append:happy:'));
    expect(happyCrashes.length).toBeGreaterThanOrEqual(4);
    // Where the crash came as charge's success was written, its function ran and inserted,
    // the insert was rolled back with the append, and the next engine charged again: two
    // calls, one row. Each run's row count is what its journal says: at most one.
    const { rows } = await adminPool().query<{ run: string; n: string }>(`SELECT run, count(*)::text AS n FROM ${table} GROUP BY run`);
    expect(rows.every((r) => r.n === '1')).toBe(true);
    const chargedTwice = [...calls.entries()].filter(([, n]) => n === 2).map(([run]) => run);
    expect(chargedTwice.length).toBeGreaterThanOrEqual(1);
    const completed = new Set(rows.map((r) => r.run));
    expect(chargedTwice.some((run) => completed.has(run))).toBe(true);
  });

  it('finds a plain refund of a transactional charge that is not idempotent, on PostgreSQL as on SQLite', async () => {
    const table = await chargesTable();
    const report = await checkSaga(payment(table, new Map(), true), { input, scratch: PG_URL });
    const found = broken(report);
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((c) => c.status !== 'error')).toBe(true);
    expect(found.some((c) => c.violations.some((v) => /the compensation of step "charge" ran \d+ times.*not idempotent/.test(v)))).toBe(true);
  });

  it('leaves no schema behind, and refuses a scratch that is not a postgres:// URL before running anything', async () => {
    const table = await chargesTable();
    const schemasOf = async () =>
      (await adminPool().query<{ n: string }>(`SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE 'check\\_%'`)).rows.map((r) => r.n);
    const before = await schemasOf();
    const report = await checkSaga(payment(table, new Map()), { input, scratch: PG_URL, only: 'crash-append:happy:2' });
    expect(report.cases).toMatchObject([{ id: 'crash-append:happy:2', status: 'completed', violations: [] }]);
    expect(await schemasOf()).toEqual(before);
    await expect(checkSaga(payment(table, new Map()), { scratch: 'sqlite:./x.db' })).rejects.toThrow(InvalidArgumentError);
    await expect(checkSaga(payment(table, new Map()), { scratch: 'sqlite:./x.db' })).rejects.toThrow(/options.scratch/);
  });
});
