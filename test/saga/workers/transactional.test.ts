/**
 * Transactional steps on PostgreSQL: the step's writes and its success record commit in one
 * transaction, so the writes exist exactly when the journal says the step succeeded. Every
 * test counts the rows the step functions wrote (no unique constraint hides a duplicate).
 */
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sleep } from '../../../src/scope/index.js';
import { openEngine, saga, type EngineFault, type SagaEngine, type TransactionClient } from '../../../src/saga/index.js';
import { PG_URL, adminPool, dropSchemas, freshSchema, noteSkipWithoutPg, pgUrlWithSchema } from '../../helpers/pg.js';
import { eventsOf, journalOf } from '../engine/helpers.js';
import { dropLease, takeLease, until, workOf } from './pg-work.js';

noteSkipWithoutPg('test/saga/workers/transactional.test.ts');
afterAll(dropSchemas);

const engines: SagaEngine[] = [];
afterEach(async () => {
  await Promise.allSettled(engines.splice(0).map((engine) => engine.close()));
});

/**
 * A fresh journal schema, and beside it (a journal's schema holds only the journal) an app
 * schema with a `ledger` table the steps write to, and a way to read it.
 */
async function ledger(): Promise<{ schema: string; table: string; rows: (runId: string) => Promise<{ kind: string; attempt: number }[]> }> {
  const schema = freshSchema('tx');
  const app = freshSchema('app');
  const table = `${pg.escapeIdentifier(app)}.ledger`;
  await adminPool().query(`CREATE SCHEMA ${pg.escapeIdentifier(app)}`);
  await adminPool().query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, run text NOT NULL, kind text NOT NULL, attempt int NOT NULL)`);
  const rows = async (runId: string) =>
    (await adminPool().query<{ kind: string; attempt: number }>(`SELECT kind, attempt FROM ${table} WHERE run = $1 ORDER BY id`, [runId])).rows;
  return { schema, table, rows };
}

async function engineOn(schema: string, id: string, sagas: Parameters<typeof openEngine>[0]['sagas'], maxTransactions?: number): Promise<{ engine: SagaEngine; faults: EngineFault[] }> {
  const engine = await openEngine({ store: pgUrlWithSchema(schema), sagas, worker: { id, pollInterval: '50ms', ...(maxTransactions === undefined ? {} : { maxTransactions }) } });
  engines.push(engine);
  const faults: EngineFault[] = [];
  engine.onError((fault) => faults.push(fault));
  return { engine, faults };
}

/** Writes a `kind` row for the call's run and attempt in `tx`. */
function insert(table: string, kind: string) {
  return async (tx: TransactionClient, ctx: { runId: string; attempt: number }): Promise<void> => {
    await tx.query(`INSERT INTO ${table} (run, kind, attempt) VALUES ($1, $2, $3)`, [ctx.runId, kind, ctx.attempt]);
  };
}

describe.skipIf(PG_URL === undefined)('transactional steps on PostgreSQL', () => {
  it('commits the step\'s writes with its step-succeeded record, once, and records its output', async () => {
    const { schema, table, rows } = await ledger();
    const def = saga('pay').step('charge', {
      transactional: async (tx, ctx) => {
        await insert(table, 'charge')(tx, ctx);
        const { rows: found } = await tx.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE run = $1`, [ctx.runId]);
        return { seen: Number(found[0]!.n) };
      },
    });
    const { engine, faults } = await engineOn(schema, 'w-tx', [def]);
    const outcome = await (await engine.start(def, null, { id: 'p1' })).result({ timeout: '5s' });
    // The function saw its own uncommitted row, inside its transaction.
    expect(outcome).toMatchObject({ status: 'completed', outputs: { charge: { seen: 1 } } });
    expect(await rows('p1')).toEqual([{ kind: 'charge', attempt: 1 }]);
    expect(eventsOf(await journalOf(engine.journal, 'p1'))).toEqual(['started', 'step-started:charge', 'step-succeeded:charge', 'completed']);
    expect(faults).toEqual([]);
  });

  it('rolls back the writes of an attempt that throws, and retries it', async () => {
    const { schema, table, rows } = await ledger();
    const def = saga('pay').step('charge', {
      retry: { attempts: 3, backoff: { initial: 10 } },
      transactional: async (tx, ctx) => {
        await insert(table, 'charge')(tx, ctx);
        if (ctx.attempt < 3) throw new Error(`the bank said no (attempt ${ctx.attempt})`);
      },
    });
    const { engine } = await engineOn(schema, 'w-tx', [def]);
    expect(await (await engine.start(def, null, { id: 'p2' })).result({ timeout: '5s' })).toMatchObject({ status: 'completed' });
    expect(await rows('p2')).toEqual([{ kind: 'charge', attempt: 3 }]);
  });

  it('rolls back an attempt that timed out, even when its function returns afterwards', async () => {
    const { schema, table, rows } = await ledger();
    let lateReturn = false;
    const def = saga('pay').step('charge', {
      timeout: '100ms',
      retry: { attempts: 2, backoff: { initial: 10 } },
      transactional: async (tx, ctx) => {
        await insert(table, 'charge')(tx, ctx);
        if (ctx.attempt === 1) {
          await sleep(400); // deaf to its signal
          lateReturn = true;
        }
      },
    });
    const { engine } = await engineOn(schema, 'w-tx', [def]);
    expect(await (await engine.start(def, null, { id: 'p3' })).result({ timeout: '5s' })).toMatchObject({ status: 'completed' });
    await until(() => lateReturn, 2_000, 'the timed-out attempt to return');
    await sleep(100);
    expect(await rows('p3')).toEqual([{ kind: 'charge', attempt: 2 }]);
  });

  it('rolls back the writes of a worker whose lease was taken before it committed; the next holder commits once', async () => {
    const { schema, table, rows } = await ledger();
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let calls = 0;
    const def = saga('pay').step('charge', {
      transactional: async (tx, ctx) => {
        calls++;
        await insert(table, 'charge')(tx, ctx);
        if (ctx.attempt === 1) await gate;
      },
    });
    const first = await engineOn(schema, 'w-first', [def]);
    await first.engine.start(def, null, { id: 'p4' });
    await until(() => calls === 1, 5_000, 'the first attempt to begin');
    await takeLease(schema, 'p4', 'w-intruder');
    open();
    await until(() => first.faults.length > 0, 5_000, 'the fenced commit');
    expect(first.faults[0]?.error).toMatchObject({ code: 'FENCED_WRITE' });
    expect(await rows('p4'), 'the fenced transaction rolled back').toEqual([]);
    // The "intruder" never comes: its lease lapses, and a second worker takes the run up.
    await dropLease(schema, 'p4');
    const second = await engineOn(schema, 'w-second', [def]);
    expect(await second.engine.result('p4', { timeout: '5s' })).toMatchObject({ status: 'completed' });
    expect(await rows('p4')).toEqual([{ kind: 'charge', attempt: 2 }]);
  });

  it('runs a transactional compensation in a transaction that records it, once', async () => {
    const { schema, table, rows } = await ledger();
    const def = saga('pay')
      .step('charge', { transactional: insert(table, 'charge'), compensate: { transactional: insert(table, 'refund') } })
      .step('ship', { run: () => Promise.reject(new Error('no courier')), retry: { attempts: 1 } });
    const { engine, faults } = await engineOn(schema, 'w-tx', [def]);
    expect(await (await engine.start(def, null, { id: 'p5' })).result({ timeout: '5s' })).toMatchObject({ status: 'compensated' });
    expect(await rows('p5')).toEqual([{ kind: 'charge', attempt: 1 }, { kind: 'refund', attempt: 1 }]);
    expect(eventsOf(await journalOf(engine.journal, 'p5'))).toContain('compensation-succeeded:charge');
    expect(faults).toEqual([]);
  });

  it('holds the other steps\' records back while a transactional step runs, and commits them with its success', async () => {
    const { schema, table } = await ledger();
    let transactionEnded = 0;
    const def = saga('pay')
      .step('charge', {
        after: [],
        transactional: async (tx, ctx) => {
          await insert(table, 'charge')(tx, ctx);
          await sleep(200);
          transactionEnded = Date.now();
        },
      })
      .step('notify', { after: [], run: () => Promise.resolve('sent') });
    const { engine } = await engineOn(schema, 'w-tx', [def]);
    expect(await (await engine.start(def, null, { id: 'p6' })).result({ timeout: '5s' })).toMatchObject({ status: 'completed' });
    const records = await journalOf(engine.journal, 'p6');
    const notified = records.find((r) => r.event.type === 'step-succeeded' && r.event.step === 'notify')!;
    const charged = records.find((r) => r.event.type === 'step-succeeded' && r.event.step === 'charge')!;
    // notify finished at once, but its record waited for the charge's transaction.
    expect(notified.at).toBeGreaterThanOrEqual(transactionEnded - 5);
    expect(notified.seq).toBe(charged.seq - 1);
  });

  it('commits the run\'s wake-up with a transactional success: the worker gives the run up until then, and nobody claims it early', async () => {
    const { schema, table, rows } = await ledger();
    let slowCalls = 0;
    const def = saga('pay-and-wait')
      // Fails at once, then waits 3 s: longer than the lease, so the run is given up meanwhile.
      .step('slow', { run: () => (++slowCalls === 1 ? Promise.reject(new Error('busy')) : Promise.resolve('ok')), retry: { attempts: 2, backoff: { initial: '3s', max: '3s', jitter: false } } })
      .step('pay', { after: [], transactional: async (tx, ctx) => { await sleep(100); await insert(table, 'charge')(tx, ctx); } });
    const engine = await openEngine({ store: pgUrlWithSchema(schema), sagas: [def], worker: { id: 'w-wait', leaseTtl: '500ms', pollInterval: '50ms' } });
    engines.push(engine);
    await engine.start(def, null, { id: 'waits' });
    await until(async () => (await workOf(schema, 'waits'))?.owner === null, 5_000, 'the run to be given up');
    const parked = await workOf(schema, 'waits');
    expect(parked?.dueAt?.getTime()).toBeGreaterThan(Date.now() + 1_000);
    // Due later: not claimed again before then, though the worker polls every 50 ms.
    await sleep(700);
    expect((await workOf(schema, 'waits'))?.owner).toBeNull();
    expect(await engine.result('waits', { timeout: '10s' })).toMatchObject({ status: 'completed' });
    expect(await rows('waits')).toEqual([{ kind: 'charge', attempt: 1 }]);
  });

  it('runs at most maxTransactions transactional calls at once, the others waiting without a connection', async () => {
    const { schema, table, rows } = await ledger();
    let open = 0;
    let most = 0;
    const def = saga('pay').step('charge', {
      transactional: async (tx, ctx) => {
        most = Math.max(most, ++open);
        await insert(table, 'charge')(tx, ctx);
        await sleep(50);
        open--;
      },
    });
    const { engine } = await engineOn(schema, 'w-tx', [def], 2);
    const runs = await Promise.all(Array.from({ length: 6 }, (_, i) => engine.start(def, null, { id: `m${i}` })));
    const outcomes = await Promise.all(runs.map((run) => run.result({ timeout: '10s' })));
    expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('completed'));
    expect(most).toBe(2);
    for (let i = 0; i < 6; i++) expect(await rows(`m${i}`)).toEqual([{ kind: 'charge', attempt: 1 }]);
  });
});
