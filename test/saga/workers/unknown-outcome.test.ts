/**
 * Appends whose outcome is unknown: the store committed (or not), then the connection died
 * before it said so. A real store cannot be made to lose an acknowledgement on demand, so
 * these tests wrap real journals (SQLite, PostgreSQL) in a fault injector that lets the
 * real commit happen, or not, and then fails the call with the retryable error a dropped
 * connection gives. The engine must neither lose nor repeat anything.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine, saga, type EngineFault, type SagaDefinition, type TransactionClient } from '../../../src/saga/index.js';
import type { JournalCoordination } from '../../../src/store/coordination.js';
import { openStore, StoreUnavailableError, type Journal } from '../../../src/store/index.js';
import { PG_URL, adminPool, dropSchemas, freshSchema, pgUrlWithSchema } from '../../helpers/pg.js';
import { eventsOf, journalOf, journalViolations, useTempDir } from '../engine/helpers.js';

afterAll(dropSchemas);
const db = useTempDir('unknown-outcome');

/** The error a connection lost during a commit gives. */
function lostConnection(url: string, operation: string): StoreUnavailableError {
  return new StoreUnavailableError({ url, operation, retryable: true, driverCode: 'CONNECTION_LOST' });
}

/** Overrides of a journal, the rest going to the real one (methods bound to it, getters read on it). */
function injected(real: Journal, overrides: Partial<Journal>): Journal {
  return new Proxy(real, {
    get: (target, key) => {
      if (typeof key === 'string' && Object.hasOwn(overrides, key)) return overrides[key as keyof Journal];
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function fourSteps(): SagaDefinition {
  const step = { run: () => Promise.resolve('done'), compensate: () => Promise.resolve() };
  return saga('four').step('a', step).step('b', step).step('c', step).step('d', step);
}

describe('appends whose acknowledgement is lost', () => {
  it('finds an append that committed before its connection died, and neither repeats nor loses it', async () => {
    const real = await openStore(`sqlite:${db('lost-ack')}`);
    let committed = 0;
    let lost = 0;
    const journal = injected(real, {
      // Every other append that commits "loses" its answer.
      append: async (stream, records, options) => {
        const result = await real.append(stream, records, options);
        if (++committed % 2 === 1) {
          lost++;
          throw lostConnection(real.url, 'append');
        }
        return result;
      },
    });
    const def = fourSteps();
    const engine = await openEngine({ store: journal, sagas: [def], storeRetry: { initialDelay: 1, maxDelay: 5 } });
    const faults: EngineFault[] = [];
    engine.onError((fault) => faults.push(fault));
    try {
      expect(await (await engine.start(def, null, { id: 'ack' })).result({ timeout: '5s' })).toMatchObject({ status: 'completed' });
      const records = await journalOf(real, 'ack');
      expect(eventsOf(records)).toEqual([
        'started', 'step-started:a', 'step-succeeded:a', 'step-started:b', 'step-succeeded:b',
        'step-started:c', 'step-succeeded:c', 'step-started:d', 'step-succeeded:d', 'completed',
      ]);
      expect(journalViolations(def, 'ack', records)).toEqual([]);
      // Five appends committed (a four-step run makes five); three of their answers were lost.
      expect([committed, lost]).toEqual([5, 3]);
      expect(faults).toEqual([]);
    } finally {
      await engine.close();
      await real.close();
    }
  });
});

describe.skipIf(PG_URL === undefined)('transactional commits whose acknowledgement is lost (PostgreSQL)', () => {
  /** A journal on a fresh schema whose transactional appends go through `wrap`, and a ledger table in another schema. */
  async function setUp(wrap: (real: JournalCoordination) => JournalCoordination['appendInTransaction']) {
    const schema = freshSchema('unknown');
    const app = freshSchema('unknown_app');
    const table = `${pg.escapeIdentifier(app)}.ledger`;
    await adminPool().query(`CREATE SCHEMA ${pg.escapeIdentifier(app)}; CREATE TABLE ${table} (run text NOT NULL, attempt int NOT NULL)`);
    const real = await openStore(pgUrlWithSchema(schema));
    const coordination = real.coordination!;
    const wrapped: JournalCoordination = {
      claim: (o) => coordination.claim(o),
      renew: (l, t) => coordination.renew(l, t),
      release: (l) => coordination.release(l),
      finish: (l) => coordination.finish(l),
      onWork: (l) => coordination.onWork(l),
      inspect: (s) => coordination.inspect(s),
      appendInTransaction: wrap(coordination),
    };
    const journal = injected(real, { coordination: wrapped });
    const def = saga('charge').step('charge', {
      transactional: async (tx: TransactionClient, ctx) => {
        await tx.query(`INSERT INTO ${table} (run, attempt) VALUES ($1, $2)`, [ctx.runId, ctx.attempt]);
      },
    });
    const engine = await openEngine({ store: journal, sagas: [def], worker: { id: 'w-unknown', pollInterval: '50ms' }, abortGrace: '100ms' });
    const faults: EngineFault[] = [];
    engine.onError((fault) => faults.push(fault));
    const rows = async (runId: string) => (await adminPool().query<{ attempt: number }>(`SELECT attempt FROM ${table} WHERE run = $1`, [runId])).rows.map((r) => r.attempt);
    const close = async () => {
      await engine.close();
      await real.close();
    };
    return { def, engine, faults, rows, close, real };
  }

  it('takes a transactional commit that happened as a success: its writes are there once, its record once', async () => {
    let calls = 0;
    const { def, engine, faults, rows, close, real } = await setUp((real) => async (stream, build, options) => {
      const result = await real.appendInTransaction(stream, build, options);
      if (++calls === 1) throw lostConnection('postgres', 'append in a transaction');
      return result;
    });
    try {
      expect(await (await engine.start(def, null, { id: 't1' })).result({ timeout: '5s' })).toMatchObject({ status: 'completed' });
      expect(await rows('t1')).toEqual([1]);
      expect(eventsOf(await journalOf(real, 't1'))).toEqual(['started', 'step-started:charge', 'step-succeeded:charge', 'completed']);
      expect(faults).toEqual([]);
    } finally {
      await close();
    }
  });

  it('hands over a run whose transactional commit rolled back with its connection, and the retry commits once, without a fault', async () => {
    let calls = 0;
    const { def, engine, faults, rows, close, real } = await setUp((real) => (stream, build, options) =>
      real.appendInTransaction(stream, async (tx) => {
        const records = await build(tx);
        // The connection dies before COMMIT: the store rolls everything back.
        if (++calls === 1) throw lostConnection('postgres', 'append in a transaction');
        return records;
      }, options));
    try {
      expect(await (await engine.start(def, null, { id: 't2' })).result({ timeout: '10s' })).toMatchObject({ status: 'completed' });
      expect(await rows('t2')).toEqual([2]);
      const events = eventsOf(await journalOf(real, 't2'));
      expect(events).toEqual(['started', 'step-started:charge', 'step-failed:charge', 'step-started:charge', 'step-succeeded:charge', 'completed']);
      expect(faults).toEqual([]);
    } finally {
      await close();
    }
  });
});
