/**
 * SIGKILL torture of the saga engine as many workers on PostgreSQL: four worker processes
 * (fixtures/pg-worker.ts) share one journal; a client engine in this process (it drives no
 * run: `maxRuns: 0`) starts 2,000 order sagas over the first 30 s, written for any worker,
 * and waits for every result through the journal. Meanwhile a ready worker is SIGKILLed
 * every 0.4-0.9 s (at least 50 times) and restarted under a new id; its runs are taken
 * over once their leases lapse. Then:
 *
 * - every run completed or compensated (the ones failing by design compensated), with a
 *   journal `reduce` accepts, numbered without gaps, keeping the saga guarantees;
 * - no call of a step function was recorded twice, and no two calls of one run ran at the
 *   same time under two different leases (from the `attempts` table, by the database's
 *   clock; a call cut by a kill lasted until its process exited);
 * - the transactional charge and refund committed exactly once each when the journal says
 *   they succeeded, never otherwise (the `ledger` table has no unique key to hide a second);
 * - the plain steps' effects are all there for a completed run and gone for a compensated one.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine, decodeRecord, reduce, runStream, type RunHandle } from '../../src/saga/index.js';
import { sleep } from '../../src/scope/index.js';
import { openStore } from '../../src/store/index.js';
import { PG_URL, adminPool, dropSchemas, freshSchema, noteSkipWithoutPg, pgUrlWithSchema } from '../helpers/pg.js';
import { expectWholeJournal, journalViolations } from '../saga/engine/helpers.js';
import { duplicateAttempts, overlappingLeases, type AttemptRow } from './fixtures/pg-checks.js';
import { PG_ORDER_STEPS, createAppTables, inputOf, pgOrder, runIdOf, startPaced } from './fixtures/pg-order.js';
import { WorkerProcess } from './fixtures/pg-spawn.js';

noteSkipWithoutPg('test/crash/pg-workers.test.ts');
afterAll(dropSchemas);

const WORKERS = 4;
const RUNS = 2_000;
const MIN_KILLS = 50;
const START_MS = 30_000;
const LEASE_TTL_MS = 2_000;
const MAX_RUNS = 50;

/** Reads the `attempts` table of `app` (quoted). */
async function attemptRows(app: string): Promise<AttemptRow[]> {
  const { rows } = await adminPool().query<{ run: string; step: string; phase: string; attempt: number; worker: string; token: string; started: string; ended: string | null }>(
    `SELECT run, step, phase, attempt, worker, token::text, (extract(epoch FROM started_at) * 1000)::float8::text AS started,
            (extract(epoch FROM ended_at) * 1000)::float8::text AS ended FROM ${app}.attempts`,
  );
  return rows.map((r) => ({ ...r, token: Number(r.token), startedAt: Number(r.started), endedAt: r.ended === null ? null : Number(r.ended) }));
}

describe.skipIf(PG_URL === undefined)('saga workers on PostgreSQL under SIGKILL', () => {
  it('the checks find two leases driving one run at once, and a call recorded twice', () => {
    const call = (worker: string, token: number, startedAt: number, endedAt: number | null, attempt = 1): AttemptRow =>
      ({ run: 'r', step: 's', phase: 'run', attempt, worker, token, startedAt, endedAt });
    expect(overlappingLeases([call('a', 1, 0, 10), call('b', 2, 20, 30, 2)], () => undefined)).toEqual([]);
    expect(overlappingLeases([call('a', 1, 0, 25), call('b', 2, 20, 30, 2)], () => undefined)).toHaveLength(1);
    // A call its process never ended lasted until the process exited, or for ever.
    expect(overlappingLeases([call('a', 1, 0, null), call('b', 2, 20, 30, 2)], (w) => (w === 'a' ? 15 : undefined))).toEqual([]);
    expect(overlappingLeases([call('a', 1, 0, null), call('b', 2, 20, 30, 2)], () => undefined)).toHaveLength(1);
    expect(duplicateAttempts([call('a', 1, 0, 10), call('b', 2, 20, 30)])).toHaveLength(1);
  });

  it('brings 2,000 runs to an end across 4 workers killed at random, never driving a run under two leases at once, with transactional effects exactly once', async () => {
    const began = Date.now();
    const schema = freshSchema('torture');
    const appSchema = freshSchema('torture_app');
    const app = pg.escapeIdentifier(appSchema);
    const url = pgUrlWithSchema(schema);
    await createAppTables(adminPool(), app);
    const definition = pgOrder(adminPool(), app);
    const client = await openEngine({ store: url, sagas: [definition], worker: { id: 'client', maxRuns: 0, pollInterval: '500ms' } });
    const all: WorkerProcess[] = [];
    const spawnWorker = (slot: number): WorkerProcess => {
      const worker = new WorkerProcess({ journalUrl: url, appSchema, id: `w${slot}-${all.length}`, leaseTtlMs: LEASE_TTL_MS, maxRuns: MAX_RUNS });
      all.push(worker);
      return worker;
    };
    const slots = Array.from({ length: WORKERS }, (_, slot) => spawnWorker(slot));
    const handles: RunHandle[] = [];
    let kills = 0;
    let killing = 0;
    let settling = 0;
    try {
      await Promise.all(slots.map((w) => w.whenReady()));
      // The client writes the runs for any worker, paced over START_MS.
      const starting = startPaced(client, definition, RUNS, began, START_MS, handles);
      let started = false;
      // A start that fails ends the loop at once; awaiting `starting` below rethrows it.
      let failed = false;
      void starting.then(() => (started = true), () => (failed = true));
      while (!failed && (!started || kills < MIN_KILLS)) {
        await sleep(400 + Math.floor(Math.random() * 500));
        const crashed = all.find((w) => w.crashed);
        if (crashed !== undefined) throw new Error(`a worker failed: ${crashed.describe()}`);
        const ready = slots.map((w, slot) => ({ w, slot })).filter(({ w }) => w.ready);
        const victim = ready[Math.floor(Math.random() * ready.length)];
        if (victim === undefined) continue;
        await victim.w.stop('SIGKILL');
        kills++;
        slots[victim.slot] = spawnWorker(victim.slot);
      }
      await starting;
      killing = Date.now() - began;
      const outcomes = await Promise.all(handles.map((run) => run.result({ timeout: '120s' })));
      settling = Date.now() - began - killing;
      const crashed = all.find((w) => w.crashed);
      if (crashed !== undefined) throw new Error(`a worker failed: ${crashed.describe()}`);
      const statuses: Record<string, number> = {};
      for (const outcome of outcomes) statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
      expect(statuses, 'every run settled').toEqual({ completed: expect.any(Number), compensated: expect.any(Number) });
      expect((statuses['completed'] ?? 0) + (statuses['compensated'] ?? 0)).toBe(RUNS);
    } finally {
      await Promise.all(all.map((w) => w.stop('SIGKILL')));
      await client.close();
    }
    const seconds = ((Date.now() - began) / 1000).toFixed(1);

    const journal = await openStore(url);
    let interrupted = 0;
    try {
      await expectWholeJournal(journal);
      const ledger = await adminPool().query<{ run: string; kind: string; n: number }>(`SELECT run, kind, count(*)::int AS n FROM ${app}.ledger GROUP BY run, kind`);
      const committed = (runId: string, kind: string) => ledger.rows.find((r) => r.run === runId && r.kind === kind)?.n ?? 0;
      const effects = await adminPool().query<{ run: string; step: string }>(`SELECT run, step FROM ${app}.effects`);
      for (let i = 0; i < RUNS; i++) {
        const runId = runIdOf(i);
        const records = (await journal.read(runStream(runId))).map((r) => decodeRecord(runId, r));
        const state = reduce(runId, records);
        interrupted += records.filter((r) => 'error' in r.event && r.event.error.name === 'InterruptedError').length;
        expect(['completed', 'compensated'], runId).toContain(state.status);
        if (inputOf(i).fail !== null) expect(state.status, `${runId} fails by design`).toBe('compensated');
        expect(journalViolations(definition, runId, records), runId).toEqual([]);
        const charge = state.steps['charge-payment'];
        expect(committed(runId, 'charge'), `${runId}: charges committed`).toBe(charge?.forward?.status === 'succeeded' ? 1 : 0);
        expect(committed(runId, 'refund'), `${runId}: refunds committed`).toBe(charge?.compensation?.status === 'succeeded' ? 1 : 0);
        const left = effects.rows.filter((r) => r.run === runId).map((r) => r.step).sort();
        const plain = Object.keys(PG_ORDER_STEPS).filter((s) => s !== 'charge-payment').sort();
        expect(left, `${runId} ${state.status}: effects`).toEqual(state.status === 'completed' ? plain : []);
      }
    } finally {
      await journal.close();
    }
    const attempts = await attemptRows(app);
    const exitedAt = new Map(all.map((w) => [w.id, w.exit?.at]));
    expect(duplicateAttempts(attempts)).toEqual([]);
    expect(overlappingLeases(attempts, (worker) => exitedAt.get(worker))).toEqual([]);
    const faults = all.flatMap((w) => w.lines.filter((l) => l.startsWith('FAULT')));
    console.log(
      `pg worker torture: ${WORKERS} workers, ${kills} SIGKILLs (${all.length} worker processes), ${RUNS} runs, ` +
        `${attempts.length} step calls, ${interrupted} interrupted attempts recovered, ${faults.length} lost leases, ` +
        `${seconds} s (starts and kills ${(killing / 1000).toFixed(1)} s, then all settled in ${(settling / 1000).toFixed(1)} s)`,
    );
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    expect(interrupted).toBeGreaterThan(0);
  }, 300_000);
});
