/**
 * Database faults under saga workers on PostgreSQL: two worker processes
 * (fixtures/pg-worker.ts) drive 500 order sagas that a client in this process starts over
 * a few seconds, while their connections are terminated again and again
 * (`pg_terminate_backend` of their `application_name`) and PostgreSQL itself is restarted
 * once. Workers ride through on the engine's retries of retryable store errors (their
 * leases outlast the outage, so no run changes hands); nothing may be lost:
 *
 * - every run completed or compensated, its journal numbered without gaps;
 * - every settle a worker reported (after the append that settled it was acknowledged) is
 *   what the journal says;
 * - the transactional charge and refund committed exactly once when the journal says so;
 * - no worker reported a fault (a store call failing past the retry deadline would).
 *
 * The restart is the only one of the suite: the server is shared, so it is kept short.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine, decodeRecord, reduce, runStream, type RunHandle } from '../../src/saga/index.js';
import { sleep } from '../../src/scope/index.js';
import { openStore } from '../../src/store/index.js';
import { PG_URL, dropSchemas, freshSchema, noteSkipWithoutPg, pgUrlWithSchema } from '../helpers/pg.js';
import { createAppTables, inputOf, pgOrder, runIdOf, startPaced } from './fixtures/pg-order.js';
import { WorkerProcess } from './fixtures/pg-spawn.js';

noteSkipWithoutPg('test/crash/pg-faults.test.ts');
afterAll(dropSchemas);

const RUNS = 500;
const START_MS = 6_000;

/** Restarts the local PostgreSQL cluster and waits until it accepts connections; resolves with how long it took. */
function restartPostgres(): number {
  const startedAt = Date.now();
  const version = readdirSync('/etc/postgresql')[0];
  if (version === undefined) throw new Error('no cluster under /etc/postgresql');
  const restart = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], { encoding: 'utf8' });
  if (restart.status !== 0) throw new Error(`pg_ctlcluster restart failed: ${restart.stderr}`);
  const url = new URL(PG_URL!);
  for (let i = 0; i < 300; i++) {
    const ready = spawnSync('pg_isready', ['-h', url.hostname, '-p', url.port || '5432'], { encoding: 'utf8' });
    if (ready.status === 0) return Date.now() - startedAt;
    spawnSync('sleep', ['0.1']);
  }
  throw new Error('PostgreSQL did not come back within 30 s');
}

describe.skipIf(PG_URL === undefined)('saga workers on PostgreSQL through connection kills and a server restart', () => {
  it('completes or compensates 500 runs, losing nothing acknowledged, while connections die and the server restarts', async () => {
    const began = Date.now();
    const schema = freshSchema('faults');
    const appSchema = freshSchema('faults_app');
    const app = pg.escapeIdentifier(appSchema);
    const url = pgUrlWithSchema(schema);
    // This test's own pool: the restart kills its idle connections, which must not crash the run.
    const admin = new pg.Pool({ connectionString: PG_URL, max: 2, application_name: 'rewind-faults-admin' });
    admin.on('error', () => undefined);
    await createAppTables(admin, app);
    const definition = pgOrder(admin, app);
    const client = await openEngine({ store: url, sagas: [definition], worker: { id: 'client', maxRuns: 0, pollInterval: '250ms' } });
    const workers = [0, 1].map((n) => new WorkerProcess({ journalUrl: url, appSchema, id: `f${n}`, leaseTtlMs: 15_000, maxRuns: RUNS }));
    const handles: RunHandle[] = [];
    let terminated = 0;
    let restartMs = 0;
    let settledAtRestart = 0;
    try {
      await Promise.all(workers.map((w) => w.whenReady()));
      const starting = startPaced(client, definition, RUNS, began, START_MS, handles);
      // Handled here so that a failed start waits for `await starting` below, which rethrows it.
      starting.catch(() => undefined);
      const settled = () => new Set(workers.flatMap((w) => w.lines.filter((l) => l.startsWith('SETTLED')))).size;
      for (let round = 0; round < 8; round++) {
        await sleep(400 + Math.floor(Math.random() * 400));
        if (round === 4) {
          settledAtRestart = settled();
          restartMs = restartPostgres();
          continue;
        }
        const { rows } = await admin.query<{ killed: boolean }>(
          "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name LIKE 'rewind-crash-f%'",
        );
        terminated += rows.filter((r) => r.killed).length;
      }
      await starting;
      const outcomes = await Promise.all(handles.map((run) => run.result({ timeout: '120s' })));
      expect(outcomes.every((o) => o.status === 'completed' || o.status === 'compensated'), JSON.stringify(outcomes.filter((o) => o.status !== 'completed' && o.status !== 'compensated').slice(0, 3))).toBe(true);
      for (const worker of workers) expect(worker.exit, worker.describe()).toBeUndefined();
    } finally {
      await Promise.all(workers.map((w) => w.stop('SIGTERM')));
      await client.close();
    }
    for (const worker of workers) expect(worker.crashed, worker.describe()).toBe(false);
    expect(workers.flatMap((w) => w.lines.filter((l) => l.startsWith('FAULT')))).toEqual([]);

    const journal = await openStore(url);
    try {
      const ledger = await admin.query<{ run: string; kind: string; n: number }>(`SELECT run, kind, count(*)::int AS n FROM ${app}.ledger GROUP BY run, kind`);
      const committed = (runId: string, kind: string) => ledger.rows.find((r) => r.run === runId && r.kind === kind)?.n ?? 0;
      const statuses = new Map<string, string>();
      for (let i = 0; i < RUNS; i++) {
        const runId = runIdOf(i);
        const stored = await journal.read(runStream(runId));
        expect(stored.map((r) => r.seq), `${runId} is numbered 1..n`).toEqual(stored.map((_, k) => k + 1));
        const state = reduce(runId, stored.map((r) => decodeRecord(runId, r)));
        statuses.set(runId, state.status);
        expect(['completed', 'compensated'], runId).toContain(state.status);
        if (inputOf(i).fail !== null) expect(state.status, `${runId} fails by design`).toBe('compensated');
        const charge = state.steps['charge-payment'];
        expect(committed(runId, 'charge'), `${runId}: charges committed`).toBe(charge?.forward?.status === 'succeeded' ? 1 : 0);
        expect(committed(runId, 'refund'), `${runId}: refunds committed`).toBe(charge?.compensation?.status === 'succeeded' ? 1 : 0);
      }
      // What a worker acknowledged as settled is what the journal holds.
      const acknowledged = workers.flatMap((w) => w.lines.filter((l) => l.startsWith('SETTLED')).map((l) => l.split(' ')));
      expect(acknowledged.length).toBeGreaterThanOrEqual(RUNS);
      for (const [, runId, status] of acknowledged) expect(statuses.get(runId!), `${runId} was acknowledged ${status}`).toBe(status);
    } finally {
      await journal.close();
      await admin.end();
    }
    console.log(
      `pg faults: ${RUNS} runs, ${terminated} connections terminated, PostgreSQL restarted in ${(restartMs / 1000).toFixed(1)} s ` +
        `with ${RUNS - settledAtRestart} runs unsettled, ${((Date.now() - began) / 1000).toFixed(1)} s in all`,
    );
    expect(terminated).toBeGreaterThan(0);
    expect(settledAtRestart).toBeLessThan(RUNS);
  }, 240_000);
});
