import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RevertPlan, RunState, VerifyReport } from '../../src/saga/index.js';
import { ledger } from '../fixtures/cli/ledger.js';
import { CONFIG, eventsOf, rewind, settledTransfer, stateOf, useTempDir } from './helpers.js';

const tmp = useTempDir('revert');

/** A completed transfer: every step's effect is in the ledger. */
async function completed(name: string) {
  const db = tmp.path(`${name}.db`);
  const book = tmp.path(`${name}.json`);
  const state = await settledTransfer(db, name, { ledger: book });
  expect(state.status).toBe('completed');
  return { db, book, state, args: ['--store', `sqlite:${db}`, '--config', CONFIG] };
}

describe('rewind revert', () => {
  it('--dry-run prints which compensations would run, in which order, with which inputs, and writes nothing', async () => {
    const { db, state, args } = await completed('dry');
    const { code, stdout } = await rewind(['revert', 'dry', '--dry-run', ...args]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('revert of run dry (transfer v2) would call, in this order (calls of one wave run concurrently):');
    expect(lines.slice(2, 5).map((l) => l.trim().split(/\s+/).slice(0, 4).join(' '))).toEqual([
      '1 credit compensate dry:credit',
      'debit compensate dry:debit {"key":"dry:debit"}',
      '2 reserve compensate dry:reserve',
    ]);
    expect(stdout).toContain('  not undone (no compensation): notify');
    expect(lines.at(-1)).toBe('Nothing was written (--dry-run).');
    expect((await stateOf(db, 'dry')).lastSeq).toBe(state.lastSeq);

    const json = JSON.parse((await rewind(['revert', 'dry', '--dry-run', '--json', ...args])).stdout) as RevertPlan;
    expect(json.waves.map((wave) => wave.map((call) => call.step).sort())).toEqual([['credit', 'debit'], ['reserve']]);
  });

  it('compensates a completed run in reverse DAG order, recording who asked and why', async () => {
    const { db, book, args } = await completed('undo');
    expect(ledger(book).entries()).toEqual(['undo:credit', 'undo:debit', 'undo:reserve']);
    const { code, stdout } = await rewind(['revert', 'undo', '--reason', 'order placed twice', '--by', 'alice', ...args]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('revert of run undo by alice: order placed twice (recorded)');

    const state = await stateOf(db, 'undo');
    expect(state.status).toBe('compensated');
    expect(state.revert).toMatchObject({ reason: 'order placed twice', by: 'alice' });
    const events = eventsOf(state.timeline);
    const at = (e: string) => events.indexOf(e);
    expect(at('completed')).toBeLessThan(at('revert-requested'));
    expect(at('compensation-succeeded:debit')).toBeLessThan(at('compensation-started:reserve'));
    expect(at('compensation-succeeded:credit')).toBeLessThan(at('compensation-started:reserve'));
    expect(events).toContain('compensation-skipped:notify');
    expect(ledger(book).entries()).toEqual([]);
  });

  it('--auto-verify asks each step whether its effect is gone, and prints run and report together under --json', async () => {
    const { args } = await completed('clean');
    const { code, stdout } = await rewind(['revert', 'clean', '--auto-verify', '--json', ...args]);
    expect(code).toBe(0);
    const { run, verify } = JSON.parse(stdout) as { run: RunState; verify: VerifyReport };
    expect(run.status).toBe('compensated');
    expect(verify.ok).toBe(true);
    expect(verify.steps.map((s) => `${s.step}:${s.status}`).sort()).toEqual(['credit:clean', 'debit:clean', 'reserve:clean']);
  });

  it('--auto-verify exits 6 naming what is still there when a compensation did not undo its effect', async () => {
    const { db, book, args } = await completed('leak');
    writeFileSync(`${book}.leak-debit`, '');
    const { code, stdout, stderr } = await rewind(['revert', 'leak', '--auto-verify', ...args]);
    expect(code).toBe(6);
    expect(stdout).toMatch(/\nverify\n {2}STEP +STATUS +DETAIL\n/);
    expect(stdout).toMatch(/\n {2}debit +remaining +the effect of step "debit" is still in place/);
    expect(stderr).toBe('rewind: Run "leak" was reverted, but verify found effects still there: debit: the effect of step "debit" is still in place (its verify says so)');
    expect((await stateOf(db, 'leak')).status).toBe('compensated');
    expect(ledger(book).entries()).toEqual(['leak:debit']);
  });

  it('refuses a second revert and a run that did not complete with exit 4, writing nothing', async () => {
    const { db, args } = await completed('twice');
    expect((await rewind(['revert', 'twice', ...args])).code).toBe(0);
    const after = await stateOf(db, 'twice');
    const again = await rewind(['revert', 'twice', ...args]);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/^rewind: Cannot revert saga run "twice" while it is compensated: it was already reverted \(seq \d+: reverted with rewind revert\)/);
    expect((await stateOf(db, 'twice')).lastSeq).toBe(after.lastSeq);
    expect((await rewind(['revert', 'twice', '--dry-run', ...args])).code).toBe(4);

    const failed = await settledTransfer(db, 'failed', { ledger: tmp.path('failed.json'), failAt: 'debit' });
    const notCompleted = await rewind(['revert', 'failed', ...args]);
    expect(notCompleted.code).toBe(4);
    expect(notCompleted.stderr).toMatch(/^rewind: Cannot revert saga run "failed" while it is compensated: only a completed run can be reverted/);
    expect((await stateOf(db, 'failed')).lastSeq).toBe(failed.lastSeq);
  });

  it('needs the saga from the config (exit 3), and --dry-run does not go with --auto-verify (exit 2)', async () => {
    const { db } = await completed('nosaga');
    const missing = await rewind(['revert', 'nosaga', '--store', `sqlite:${db}`], { cwd: tmp.dir });
    expect(missing.code).toBe(3);
    const both = await rewind(['revert', 'nosaga', '--dry-run', '--auto-verify', '--store', `sqlite:${db}`]);
    expect([both.code, both.stderr]).toEqual([2, "rewind: option '--dry-run' cannot be used with option '--auto-verify'"]);
  });
});
