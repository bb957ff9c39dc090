import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ledger } from '../fixtures/cli/ledger.js';
import { CONFIG, rewind, settledTransfer, stateOf, useTempDir } from './helpers.js';

const tmp = useTempDir('resolve');

describe('rewind resolve', () => {
  it('records that the stuck compensation was done by hand, who did it and why, and the run goes on to compensated', async () => {
    const db = tmp.path('by-hand.db');
    const book = tmp.path('l1.json');
    writeFileSync(`${book}.block-reserve`, '');
    await settledTransfer(db, 't-1', { ledger: book, failAt: 'debit' });

    const { code, stdout } = await rewind([
      'resolve', 't-1', '--step', 'reserve', '--compensated', '--reason', 'reversed by hand in the bank UI', '--by', 'ops@example.com',
      '--store', `sqlite:${db}`, '--config', CONFIG,
    ]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('step "reserve" of run t-1 resolved as compensated by ops@example.com: reversed by hand in the bank UI (recorded)');
    const state = await stateOf(db, 't-1');
    expect(state.status).toBe('compensated');
    expect(state.steps['reserve']?.compensation).toMatchObject({
      status: 'succeeded',
      attempt: 2,
      resolution: { action: 'compensated', reason: 'reversed by hand in the bank UI', by: 'ops@example.com' },
    });
    // Done by hand: the compensation was not called again, so the ledger still has what the operator undid elsewhere.
    expect(ledger(book).entries()).toEqual(['t-1:reserve']);
  });

  it('refuses a resolution of another step than the stuck one with exit 4, writing nothing', async () => {
    const db = tmp.path('wrong-step.db');
    const book = tmp.path('l2.json');
    writeFileSync(`${book}.block-reserve`, '');
    const before = await settledTransfer(db, 't-2', { ledger: book, failAt: 'debit' });
    const { code, stderr } = await rewind(['resolve', 't-2', '--step', 'credit', '--retry', '--reason', 'x', '--store', `sqlite:${db}`, '--config', CONFIG]);
    expect(code).toBe(4);
    expect(stderr).toMatch(/^rewind: Cannot resolve saga run "t-2" while it is stuck: /);
    expect((await stateOf(db, 't-2')).lastSeq).toBe(before.lastSeq);
  });

  it('needs exactly one of --compensated, --confirmed, --retry and a --reason: usage errors, exit 2', async () => {
    const store = ['--store', 'sqlite:/nonexistent.db'];
    const none = await rewind(['resolve', 'r', '--step', 's', '--reason', 'x', ...store]);
    expect([none.code, none.stderr]).toEqual([2, 'rewind: rewind resolve needs what was done. Pass one of --compensated, --confirmed or --retry.']);
    const both = await rewind(['resolve', 'r', '--step', 's', '--compensated', '--retry', '--reason', 'x', ...store]);
    expect([both.code, both.stderr]).toEqual([2, "rewind: option '--compensated' cannot be used with option '--retry'"]);
    const noReason = await rewind(['resolve', 'r', '--step', 's', '--retry', ...store]);
    expect([noReason.code, noReason.stderr]).toEqual([2, "rewind: required option '--reason <text>' not specified"]);
  });
});
