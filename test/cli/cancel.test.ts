import { describe, expect, it } from 'vitest';
import type { RunState } from '../../src/saga/index.js';
import { ledger } from '../fixtures/cli/ledger.js';
import { hold } from '../fixtures/cli/transfer.js';
import { CONFIG, eventsOf, restingRun, rewind, settledTransfer, stateOf, useTempDir } from './helpers.js';

const tmp = useTempDir('cancel');

describe('rewind cancel', () => {
  it('records cancel-requested with the reason and carries the run on here until every started step is compensated', async () => {
    const db = tmp.path('cancel.db');
    const book = tmp.path('l1.json');
    await restingRun(db, hold, 'h-1', { ledger: book, flaky: 'confirm' });
    expect(ledger(book).entries()).toEqual(['h-1:book']);

    const { code, stdout, stderr } = await rewind(['cancel', 'h-1', '--reason', 'customer left', '--store', `sqlite:${db}`, '--config', CONFIG]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^cancel requested for run h-1: customer left \(recorded\)\nrun h-1 {2}hold v1 {2}compensated\n/);

    const state = await stateOf(db, 'h-1');
    expect(state.status).toBe('compensated');
    expect(state.compensation).toMatchObject({ cause: 'cancel-requested', reason: 'customer left' });
    const events = eventsOf(state.timeline);
    expect(events.indexOf('cancel-requested')).toBeLessThan(events.indexOf('compensation-started:book'));
    expect(events).toContain('compensation-succeeded:book');
    expect(events.at(-1)).toBe('compensated');
    expect(ledger(book).entries()).toEqual([]);
  });

  it('with --no-wait records the request only: nothing is called, the run compensates when an engine with its saga resumes it', async () => {
    const db = tmp.path('no-wait.db');
    const book = tmp.path('l2.json');
    await restingRun(db, hold, 'h-2', { ledger: book, flaky: 'confirm' });
    const { code, stdout } = await rewind(['cancel', 'h-2', '--no-wait', '--store', `sqlite:${db}`, '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as RunState).status).toBe('compensating');
    const state = await stateOf(db, 'h-2');
    expect(eventsOf(state.timeline).at(-1)).toBe('cancel-requested');
    expect(state.cancel?.reason).toBe('canceled with rewind cancel');
    expect(ledger(book).entries()).toEqual(['h-2:book']);

    const recovered = await rewind(['recover', '--store', `sqlite:${db}`, '--config', CONFIG]);
    expect(recovered.code).toBe(0);
    expect((await stateOf(db, 'h-2')).status).toBe('compensated');
    expect(ledger(book).entries()).toEqual([]);
  });

  it('exits 7 when the run cannot be carried on here: its saga is not in the config (the request stays recorded)', async () => {
    const db = tmp.path('no-saga.db');
    await restingRun(db, hold, 'h-3', { ledger: tmp.path('l3.json'), flaky: 'confirm' });
    const { code, stderr } = await rewind(['cancel', 'h-3', '--store', `sqlite:${db}`], { cwd: tmp.dir });
    expect(code).toBe(7);
    expect(stderr).toBe('rewind: Run "h-3" did not come to compensated: saga "hold" v1 is not in the config, so nothing here can carry the run on. '
      + 'It goes on when an engine with its saga resumes it: rewind recover --config <file>, or the service restarting.');
    expect((await stateOf(db, 'h-3')).cancel?.reason).toBe('canceled with rewind cancel');
  });

  it('exits 4 for a run that has ended, writing nothing, and 3 for a run that does not exist', async () => {
    const db = tmp.path('ended.db');
    const before = await settledTransfer(db, 't-1', { ledger: tmp.path('l4.json') });
    const ended = await rewind(['cancel', 't-1', '--store', `sqlite:${db}`, '--config', CONFIG]);
    expect(ended.code).toBe(4);
    expect(ended.stderr).toBe('rewind: Cannot cancel saga run "t-1" while it is completed: the run has ended. Check the run with engine.get().');
    expect((await stateOf(db, 't-1')).lastSeq).toBe(before.lastSeq);
    expect((await rewind(['cancel', 'nope', '--store', `sqlite:${db}`, '--config', CONFIG])).code).toBe(3);
  });
});
