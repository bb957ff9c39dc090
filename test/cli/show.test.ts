import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunState } from '../../src/saga/index.js';
import { rewind, settledTransfer, stateOf, useTempDir, withEngine } from './helpers.js';

const tmp = useTempDir('show');

describe('rewind show', () => {
  it('prints why a run compensated, each step with its attempts, duration, compensation and error, and the timeline of its journal', async () => {
    const db = tmp.path('failed.db');
    await settledTransfer(db, 't-1', { ledger: tmp.path('l1.json'), failAt: 'debit' });
    const { code, stdout } = await rewind(['show', 't-1', '--store', `sqlite:${db}`]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^run t-1 {2}transfer v2 {2}compensated\n {2}started {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ, ended after \d+ ms\n/);
    expect(stdout).toContain('  why       step "debit" failed: debit refused by the bank');
    // On SQLite the process that opens the journal owns every run: there is no worker to name.
    expect(stdout).not.toContain('\n  worker ');
    expect(stdout).toMatch(/\n {2}debit +compensated +1 +\d+ ms +succeeded x1, \d+ ms +#1: debit refused by the bank\n/);
    expect(stdout).toMatch(/\n {2}reserve +compensated +1 +\d+ ms +succeeded x1, \d+ ms\n/);
    // One timeline line per journal record, in order.
    const state = await stateOf(db, 't-1');
    const timeline = stdout.slice(stdout.indexOf('\ntimeline\n') + 10).split('\n');
    expect(timeline).toHaveLength(state.timeline.length);
    expect(timeline[0]).toMatch(/^ {4}1 \+ {3}0 ms {2}started transfer v2$/);
    expect(timeline.some((l) => / step-failed debit #1: debit refused by the bank$/.test(l))).toBe(true);
    expect(timeline.at(-1)).toMatch(/ compensated$/);
  });

  it('shows who resolved a stuck run and why, from the journal', async () => {
    const db = tmp.path('stuck.db');
    const ledger = tmp.path('l2.json');
    writeFileSync(`${ledger}.block-reserve`, '');
    await settledTransfer(db, 't-2', { ledger, failAt: 'debit' });
    await withEngine(db, (engine) => engine.resolve('t-2', { step: 'reserve', action: 'compensated', reason: 'reversed by hand in the bank UI', by: 'ops@example.com' }));
    const { stdout } = await rewind(['show', 't-2', '--store', `sqlite:${db}`]);
    expect(stdout).toMatch(/\noperator actions\n {2}#\d+ {2}reserve resolved as compensated by ops@example.com: reversed by hand in the bank UI\n/);
    expect(stdout).toMatch(/ resolved reserve as compensated by ops@example.com: reversed by hand in the bank UI\n/);
    expect(stdout).toMatch(/ stuck reserve \(compensation\): the bank is down, cannot undo reserve\n/);
  });

  it('prints the run state itself under --json', async () => {
    const db = tmp.path('json.db');
    await settledTransfer(db, 't-3', { ledger: tmp.path('l3.json') });
    const { code, stdout } = await rewind(['show', 't-3', '--store', `sqlite:${db}`, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout) as RunState).toEqual(JSON.parse(JSON.stringify(await stateOf(db, 't-3'))));
  });

  it('exits 3 with one line when the run does not exist', async () => {
    const db = tmp.path('missing.db');
    await settledTransfer(db, 't-4', { ledger: tmp.path('l4.json') });
    const { code, stdout, stderr } = await rewind(['show', 'order-404', '--store', `sqlite:${db}`]);
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toBe('rewind: Cannot get saga run "order-404": no run with this id exists in the journal. Check the id (engine.list() shows the runs).');
  });

  it('exits 2 without a store, and says where one can come from', async () => {
    const { code, stderr } = await rewind(['show', 't-1'], { cwd: tmp.dir });
    expect(code).toBe(2);
    expect(stderr).toBe('rewind: No store given. Pass --store sqlite:./rewind.db (or postgres://...), set REWIND_STORE, or export `store` from rewind.config.mjs.');
  });
});
