/**
 * Kill -9 torture of the saga engine: a child process runs order sagas (some failing by
 * design) on a journal file, their effects written to a separate SQLite app database keyed
 * by idempotency key; the parent SIGKILLs it 30-120 ms after each READY, at least 200
 * times, restarting it each time (opening the engine is recovery; the child also starts
 * the runs not started yet). A last child runs without kills until every run settles. Then:
 * every run is completed or compensated and keeps the saga guarantees; a completed run has
 * exactly one effect row per step, a compensated run none; compensations ran in reverse DAG
 * order; no journal stream has a gap.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRecord, reduce, runStream } from '../../src/saga/index.js';
import { openStore } from '../../src/store/index.js';
import { CRASH_ORDER_STEPS, crashOrder, createAppTables, inputOf, runIdOf } from '../fixtures/sagas/crash-order.js';
import { expectWholeJournal, journalViolations } from '../saga/engine/helpers.js';
import { bundledFixture } from '../helpers/fixture-bundle.js';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'saga-worker.ts');
const KILLS = 200;
const RUNS = 120;
const dir = mkdtempSync(join(tmpdir(), 'rewind-saga-crash-'));
const journalFile = join(dir, 'journal.db');
const appFile = join(dir, 'app.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Exit {
  readonly killed: boolean;
  readonly out: string;
}

/**
 * Runs the worker; in `kill` mode SIGKILLs it `killAfterMs` after READY. Rejects if it
 * exits any other way than the one expected (a crash of its own, an engine fault).
 */
function runWorker(count: number, mode: 'kill' | 'final', killAfterMs = 0): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundledFixture(WORKER), journalFile, appFile, String(count), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (mode === 'kill' && !out.includes('READY\n') && (out + chunk).includes('READY\n')) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      out += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      if (mode === 'kill' && signal === 'SIGKILL' && out.includes('READY\n')) resolve({ killed: true, out });
      else if (mode === 'final' && code === 0) resolve({ killed: false, out });
      else reject(new Error(`worker (${mode}) ended with ${signal ?? code}; stdout:\n${out}\nstderr:\n${err}`));
    });
  });
}

describe('saga engine under SIGKILL', () => {
  it('brings every run to completed or compensated, with effects exactly once and compensations in reverse DAG order', async () => {
    const began = Date.now();
    for (let kill = 0; kill < KILLS; kill++) {
      // Runs are started over the first three quarters of the kills, so kills land on new
      // runs, on running ones, on retries and on compensations; the rest hit recovery alone.
      const startable = Math.min(RUNS, Math.ceil(((kill + 1) * RUNS) / (KILLS * 0.75)));
      await runWorker(startable, 'kill', 30 + Math.floor(Math.random() * 91));
    }
    const final = await runWorker(RUNS, 'final');
    const seconds = ((Date.now() - began) / 1000).toFixed(1);

    const journal = await openStore(`sqlite:${journalFile}`);
    const app = new Database(appFile);
    createAppTables(app);
    const definition = crashOrder(app);
    const effects = app.prepare<[string], { step: string }>('SELECT step FROM effects WHERE run = ?');
    const compensations = app.prepare<[string], { id: number; step: string }>('SELECT id, step FROM compensations WHERE run = ? ORDER BY id');
    const statuses: Record<string, number> = {};
    let interrupted = 0;
    try {
      await expectWholeJournal(journal);
      for (let i = 0; i < RUNS; i++) {
        const runId = runIdOf(i);
        const records = (await journal.read(runStream(runId))).map((r) => decodeRecord(runId, r));
        const state = reduce(runId, records);
        statuses[state.status] = (statuses[state.status] ?? 0) + 1;
        interrupted += records.filter((r) => 'error' in r.event && r.event.error.name === 'InterruptedError').length;
        expect(journalViolations(definition, runId, records), runId).toEqual([]);
        const rows = effects.all(runId).map((r) => r.step).sort();
        if (state.status === 'completed') expect(rows, `${runId} completed`).toEqual(Object.keys(CRASH_ORDER_STEPS).sort());
        else expect(rows, `${runId} ${state.status}`).toEqual([]);
        if (inputOf(i).fail !== null) expect(state.status, `${runId} fails by design`).toBe('compensated');
        // Every row of a downstream step's compensation precedes every row of its upstream steps'.
        const ids = (step: string) => compensations.all(runId).filter((r) => r.step === step).map((r) => r.id);
        for (const [step, after] of Object.entries(CRASH_ORDER_STEPS)) {
          for (const upstream of after) {
            if (ids(step).length > 0 && ids(upstream).length > 0) {
              expect(Math.min(...ids(upstream)), `${runId}: ${upstream} compensated after ${step}`).toBeGreaterThan(Math.max(...ids(step)));
            }
          }
        }
      }
    } finally {
      app.close();
      await journal.close();
    }
    console.log(`saga crash test: ${KILLS} kills, ${RUNS} runs (${JSON.stringify(statuses)}), ${interrupted} interrupted attempts recovered, ${seconds} s; final worker: ${final.out.trim().split('\n').at(-1)}`);
    expect((statuses['completed'] ?? 0) + (statuses['compensated'] ?? 0)).toBe(RUNS);
    expect(interrupted).toBeGreaterThan(0);
  }, 300_000);
});
