import { rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ledger } from '../fixtures/cli/ledger.js';
import { transfer } from '../fixtures/cli/transfer.js';
import { CONFIG, eventsOf, restingRun, rewind, settledTransfer, stateOf, useTempDir } from './helpers.js';

const tmp = useTempDir('retry');

/** A transfer stuck on the compensation of reserve (the bank is "down" for it). */
async function stuckTransfer(db: string, book: string, runId: string) {
  writeFileSync(`${book}.block-reserve`, '');
  const state = await settledTransfer(db, runId, { ledger: book, failAt: 'debit' });
  expect(state.stuck).toMatchObject({ step: 'reserve', phase: 'compensation' });
  return state;
}

describe('rewind retry', () => {
  it('resolves the stuck step with action retry (a fresh budget) and carries the run on until it has compensated', async () => {
    const db = tmp.path('retry.db');
    const book = tmp.path('l1.json');
    await stuckTransfer(db, book, 't-1');
    rmSync(`${book}.block-reserve`);

    const { code, stdout } = await rewind(['retry', 't-1', '--reason', 'the bank is back', '--by', 'ops@example.com', '--store', `sqlite:${db}`, '--config', CONFIG]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('retry of compensation "reserve" of run t-1: the bank is back (recorded)');

    const state = await stateOf(db, 't-1');
    expect(state.status).toBe('compensated');
    const resolved = state.timeline.find(({ event }) => event.type === 'resolved')?.event;
    expect(resolved).toEqual({ type: 'resolved', step: 'reserve', action: 'retry', reason: 'the bank is back', by: 'ops@example.com' });
    expect(eventsOf(state.timeline).slice(-3)).toEqual(['compensation-started:reserve', 'compensation-succeeded:reserve', 'compensated']);
    expect(state.steps['reserve']?.compensation?.attempt).toBe(3);
    expect(ledger(book).entries()).toEqual([]);
  });

  it('names the operator from REWIND_OPERATOR (else USER) when --by is not given', async () => {
    const db = tmp.path('by.db');
    const book = tmp.path('l2.json');
    await stuckTransfer(db, book, 't-2');
    rmSync(`${book}.block-reserve`);
    expect((await rewind(['retry', 't-2', '--store', `sqlite:${db}`, '--config', CONFIG], { env: { USER: 'alice', REWIND_OPERATOR: 'ops-bot' } })).code).toBe(0);
    expect((await stateOf(db, 't-2')).steps['reserve']?.compensation?.resolution).toMatchObject({ action: 'retry', by: 'ops-bot', reason: 'retried with rewind retry' });
  });

  it('exits 7 when the retried step is stuck again, and says what to do', async () => {
    const db = tmp.path('again.db');
    const book = tmp.path('l3.json');
    await stuckTransfer(db, book, 't-3');
    const { code, stderr } = await rewind(['retry', 't-3', '--store', `sqlite:${db}`, '--config', CONFIG]);
    expect(code).toBe(7);
    expect(stderr).toBe('rewind: Run "t-3" did not come to compensated: it came to stuck. See why with rewind show t-3; then rewind retry or rewind resolve.');
    expect((await stateOf(db, 't-3')).steps['reserve']?.compensation?.attempt).toBe(4);
  });

  it('exits 4 for a run that is not stuck, writing nothing', async () => {
    const db = tmp.path('fine.db');
    const before = await settledTransfer(db, 't-4', { ledger: tmp.path('l4.json') });
    const { code, stderr } = await rewind(['retry', 't-4', '--store', `sqlite:${db}`, '--config', CONFIG]);
    expect(code).toBe(4);
    expect(stderr).toBe('rewind: Cannot retry saga run "t-4" while it is completed: only a stuck run can be retried (rewind runs --status stuck lists them). Check the run with engine.get().');
    expect((await stateOf(db, 't-4')).lastSeq).toBe(before.lastSeq);
  });

  it('exits 4 for a run that is still running (it retries its steps on its own), writing nothing and calling nothing', async () => {
    const db = tmp.path('running.db');
    const book = tmp.path('l5.json');
    const before = await restingRun(db, transfer, 't-5', { ledger: book, flaky: 'credit' });
    expect(before.stuck).toBeUndefined();
    const services = ledger(book).entries();
    const { code, stderr } = await rewind(['retry', 't-5', '--store', `sqlite:${db}`, '--config', CONFIG]);
    expect(code).toBe(4);
    expect(stderr).toBe('rewind: Cannot retry saga run "t-5" while it is running: only a stuck run can be retried (rewind runs --status stuck lists them). Check the run with engine.get().');
    const after = await stateOf(db, 't-5');
    expect(after.status).toBe('running');
    expect(after.lastSeq).toBe(before.lastSeq);
    expect(ledger(book).entries()).toEqual(services);
  });
});
