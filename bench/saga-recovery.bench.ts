/**
 * Saga crash-recovery benchmark (issue: durable sagas): 500 runs of 5 steps, each step
 * applying a keyed effect and waiting 20 ms, all started at once; the worker process is
 * killed with SIGKILL at about half way (half the step effects applied) and restarted.
 * Measured: the time from the restart to all 500 runs terminal, and the effects applied
 * more than once. Rewind runs on SQLite (`always` durability) with its effects in a SQLite
 * app database; DBOS Transact, in the same run when REWIND_PG_URL is set, on PostgreSQL
 * with its effects in a PostgreSQL table. Both run in child processes (bench/fixtures).
 *
 * "Re-applied effects" counts effect applications on a key already applied: `attempts`
 * (one row per application) minus distinct `effects` keys. The `effects` table itself is
 * keyed, so it never holds a duplicate row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Worker } from './fixtures/child.js';
import { dropDatabase, recreateDatabase } from './fixtures/pg.js';
import { RUNS, TOTAL_EFFECTS, type Terminal } from './fixtures/recovery-protocol.js';
import { figure, report } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const HALF = TOTAL_EFFECTS / 2;
const DBOS_DATABASE = 'rewind_bench_dbos_recovery';

interface Effects {
  readonly applications: number;
  readonly distinct: number;
}

interface Side {
  readonly name: string;
  readonly worker: string;
  readonly args: readonly string[];
  /** Effects so far; zero while the worker has not created its tables. */
  effects(): Promise<Effects>;
  readonly pollMs: number;
  /** The terminal status every run must reach. */
  readonly success: string;
}

interface Recovery {
  readonly killedAt: Effects;
  readonly killedAfterMs: number;
  readonly terminalMs: number;
  /** The worker's own clock, ms since its process started: modules loaded, engine open, runs started, all terminal. */
  readonly worker: { readonly loaded: number; readonly ready: number; readonly started: number; readonly done: number };
  readonly terminal: Terminal;
  readonly final: Effects;
}

async function crashAndRecover(side: Side): Promise<Recovery> {
  const first = new Worker(join(here, 'fixtures', side.worker), side.args);
  const startedAt = performance.now();
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (first.done) throw new Error(`${side.name}: the first worker ended before half way: ${first.describeExit()}`);
      if ((await side.effects()).distinct >= HALF) break;
      if (Date.now() > deadline) throw new Error(`${side.name}: half way not reached in 120 s: ${first.describeExit()}`);
      await sleep(side.pollMs);
    }
  } finally {
    await first.kill();
  }
  const killedAfterMs = performance.now() - startedAt;
  const killedAt = await side.effects();
  const restartedAt = performance.now();
  const second = new Worker(join(here, 'fixtures', side.worker), side.args);
  try {
    const ready = await second.line('READY', 60_000);
    const done = await second.line('DONE', 180_000);
    const terminalMs = performance.now() - restartedAt;
    const started = await second.line('STARTED', 1_000);
    const loaded = await second.line('LOADED', 1_000);
    const at = (line: string): number => Number(line.split(' ')[1]);
    const worker = { loaded: at(loaded), ready: at(ready), started: at(started), done: at(done) };
    await second.finish(30_000);
    const terminal = JSON.parse(done.split(' ').slice(2).join(' ')) as Terminal;
    const final = await side.effects();
    if ((terminal[side.success] ?? 0) !== RUNS) throw new Error(`${side.name}: not every run reached ${side.success}: ${JSON.stringify(terminal)}`);
    if (final.distinct !== TOTAL_EFFECTS) throw new Error(`${side.name}: ${final.distinct} effect keys, expected ${TOTAL_EFFECTS}`);
    return { killedAt, killedAfterMs, terminalMs, worker, terminal, final };
  } finally {
    await second.kill();
  }
}

function print(name: string, r: Recovery): void {
  console.log(
    `${name.padEnd(6)} killed ${(r.killedAfterMs / 1000).toFixed(2)} s after start at ${r.killedAt.distinct}/${TOTAL_EFFECTS} effects; ` +
      `restart to all ${RUNS} terminal: ${(r.terminalMs / 1000).toFixed(2)} s ${JSON.stringify(r.terminal)} ` +
      `(worker clock: modules loaded ${r.worker.loaded} ms, engine open ${r.worker.ready} ms, runs started/found ${r.worker.started} ms, all terminal ${r.worker.done} ms); ` +
      `${r.final.applications} effect applications for ${r.final.distinct} keys: ${r.final.applications - r.final.distinct} re-applied`,
  );
}

async function rewindSide(): Promise<Recovery> {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-saga-recovery-'));
  const appPath = join(dir, 'app.db');
  let app: Database.Database | undefined;
  try {
    return await crashAndRecover({
      name: 'Rewind',
      worker: 'rewind-recovery-worker.ts',
      args: [join(dir, 'journal.db'), appPath],
      pollMs: 2,
      success: 'completed',
      effects: () => {
        try {
          app ??= new Database(appPath, { readonly: true, fileMustExist: true });
          const row = app.prepare('SELECT (SELECT count(*) FROM attempts) AS applications, (SELECT count(*) FROM effects) AS distinct_').get() as { applications: number; distinct_: number };
          return Promise.resolve({ applications: row.applications, distinct: row.distinct_ });
        } catch {
          return Promise.resolve({ applications: 0, distinct: 0 }); // not created yet
        }
      },
    });
  } finally {
    app?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function dbosSide(pgUrl: string): Promise<Recovery> {
  const url = await recreateDatabase(pgUrl, DBOS_DATABASE);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE TABLE effects (key TEXT PRIMARY KEY, run TEXT NOT NULL, step TEXT NOT NULL, at BIGINT NOT NULL);
      CREATE TABLE attempts (id BIGSERIAL PRIMARY KEY, key TEXT NOT NULL)`);
    return await crashAndRecover({
      name: 'DBOS',
      worker: 'dbos-recovery-worker.ts',
      args: [url],
      pollMs: 5,
      success: 'SUCCESS',
      effects: async () => {
        const { rows } = await client.query<{ applications: number; distinct: number }>(
          'SELECT (SELECT count(*) FROM attempts)::int AS applications, (SELECT count(*) FROM effects)::int AS distinct',
        );
        return rows[0]!;
      },
    });
  } finally {
    await client.end();
    await dropDatabase(pgUrl, DBOS_DATABASE);
  }
}

console.log(`${RUNS} runs x 5 steps (keyed effect + 20 ms wait each), all started at once, SIGKILL at ~${HALF}/${TOTAL_EFFECTS} effects, restart`);
const rewind = await rewindSide();
print('Rewind', rewind);
const pgUrl = process.env['REWIND_PG_URL'];
let dbos: Recovery | undefined;
if (pgUrl === undefined || pgUrl === '') {
  console.log('DBOS Transact: skipped (REWIND_PG_URL is not set; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/test to measure DBOS beside Rewind)');
  figure('Rewind recovery, restart to all terminal', rewind.terminalMs / 1000, 's', 'no DBOS figure to compare with');
} else {
  dbos = await dbosSide(pgUrl);
  print('DBOS', dbos);
  report({
    name: 'recovery, restart to all 500 runs terminal',
    value: rewind.terminalMs / 1000,
    baseline: dbos.terminalMs / 1000,
    unit: 's',
    baselineName: 'DBOS Transact on PostgreSQL',
    target: 0.25,
    lowerIsBetter: true,
  });
}
// Steps run at least once: a step killed after its effect but before its outcome was
// durable runs again. Each step applies its effect first and then waits 20 ms, so this counts
// the runs that were inside a step at the kill; a store that makes runs wait less between
// steps leaves more of them there. The target is on rows, which the keyed table and
// the check in measure() (every key present) cover.
console.log(`effect rows: Rewind ${rewind.final.distinct} for ${TOTAL_EFFECTS} step keys (none missing, none twice)  target 0 duplicate rows: MET`);
if (dbos === undefined) {
  figure('re-applied effects (a step re-run after the restart whose effect was already applied)', rewind.final.applications - rewind.final.distinct, 'effects');
} else {
  report({
    name: 're-applied effects (a step re-run after the restart whose effect was already applied; at-least-once, no target)',
    value: rewind.final.applications - rewind.final.distinct,
    baseline: dbos.final.applications - dbos.final.distinct,
    unit: 'effects',
    baselineName: 'DBOS Transact',
  });
}
