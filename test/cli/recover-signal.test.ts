// Ctrl-C in `rewind recover`, for real: the built binary (`npm run build` first) in its own
// process, a run whose step is in flight in it, and SIGINT sent once the step's attempt has
// started there. Then the journal is read back and the run carried on in-process, because
// what a stop must leave is a journal the next recovery takes up.
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RecoveryReport } from '../../src/cli/commands/recover.js';
import { EXIT_CODES } from '../../src/cli/index.js';
import { stepState, type RunState } from '../../src/saga/index.js';
import { ledger } from '../fixtures/cli/ledger.js';
import { rewind, stateOf, useTempDir } from './helpers.js';
import { PATIENT_CONFIG, restingPatient, rewindInChild, until } from './signals.js';

const tmp = useTempDir('signal');

/** `rewind recover` on `db` with the patient config, in a child process running the built binary. */
function recoverInChild(db: string, json = false) {
  return rewindInChild(['recover', '--store', `sqlite:${db}`, '--config', PATIENT_CONFIG, ...(json ? ['--json'] : [])], tmp.dir);
}

/** The run's last step attempt, as the journal has it. */
function waitStep(state: RunState) {
  return stepState(state, 'wait')?.forward;
}

describe('rewind recover stopped with Ctrl-C', () => {
  it('closes the engine gracefully on SIGINT, reports the run still going as unsettled and exits 7, leaving a journal the next recovery finishes', async () => {
    const db = tmp.path('graceful.db');
    const book = tmp.path('graceful.json');
    await restingPatient(db, 'p-1', book);

    const { child, out, exited } = recoverInChild(db, true);
    // Attempt 2 is the binary's: the run is resumed and its step is in flight there.
    await until('attempt 2 in the child', () => ledger(book).has('p-1:wait#2'));
    child.kill('SIGINT');
    const code = await exited;

    expect(code).toBe(EXIT_CODES.unsettled);
    const report = JSON.parse(out.stdout) as RecoveryReport;
    expect(report.runs).toEqual([{ runId: 'p-1', saga: 'patient', version: 1, before: 'running', result: 'unsettled' }]);
    expect(report).toMatchObject({ stoppedBy: 'SIGINT', counts: { unsettled: 1, completed: 0 } });
    expect(out.stderr).toContain('rewind: SIGINT: stopping the recovery pass;');
    expect(out.stderr).toMatch(/rewind: 1 run\(s\) did not settle before SIGINT stopped the pass and 0 could not be resumed\. They resume at the next recovery: run rewind recover again\.\n$/);

    // The step saw its signal abort within the grace period: its attempt is recorded as
    // failed by the close, and the run waits to retry it.
    const after = await stateOf(db, 'p-1');
    expect(after.status).toBe('running');
    expect(waitStep(after)).toMatchObject({ status: 'retrying', attempt: 2 });
    expect(waitStep(after)?.failures.map((f) => [f.attempt, f.error.name])).toEqual([[1, 'CanceledError'], [2, 'CanceledError']]);

    writeFileSync(`${book}.release`, '');
    const again = await rewind(['recover', '--store', `sqlite:${db}`, '--config', PATIENT_CONFIG]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/\n {2}completed +1 +resumed and completed/);
    expect(waitStep(await stateOf(db, 'p-1'))).toMatchObject({ status: 'succeeded', attempt: 3, output: { released: 3 } });
  });

  it('names the signal and the unsettled run in the text report', async () => {
    const db = tmp.path('text.db');
    const book = tmp.path('text.json');
    await restingPatient(db, 'p-2', book);

    const { child, out, exited } = recoverInChild(db);
    await until('attempt 2 in the child', () => ledger(book).has('p-2:wait#2'));
    child.kill('SIGTERM');

    expect(await exited).toBe(EXIT_CODES.unsettled);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^1 unfinished run\(s\) found, recovery stopped by SIGTERM after \d/);
    expect(lines).toContain('  unsettled   p-2 (patient v1)');
    expect(out.stdout).toMatch(/\n {2}unsettled +1 +still going when the pass ended; they resume at the next recovery\n/);
  });

  it('closes the engine gracefully on SIGTERM as on SIGINT: reports the pass stopped by SIGTERM, says so on stderr and exits 7, leaving a journal the next recovery finishes', async () => {
    const db = tmp.path('sigterm.db');
    const book = tmp.path('sigterm.json');
    await restingPatient(db, 'p-5', book);

    const { child, out, exited } = recoverInChild(db, true);
    await until('attempt 2 in the child', () => ledger(book).has('p-5:wait#2'));
    child.kill('SIGTERM');

    expect(await exited).toBe(EXIT_CODES.unsettled);
    const report = JSON.parse(out.stdout) as RecoveryReport;
    expect(report).toMatchObject({ stoppedBy: 'SIGTERM', runs: [{ runId: 'p-5', result: 'unsettled' }] });
    expect(out.stderr.split('\n')[0]).toBe('rewind: SIGTERM: stopping the recovery pass; running steps are asked to stop, and the outcomes that come within the grace period are recorded. Press Ctrl-C again to stop at once.');
    expect(out.stderr).toMatch(/rewind: 1 run\(s\) did not settle before SIGTERM stopped the pass and 0 could not be resumed\. They resume at the next recovery: run rewind recover again\.\n$/);

    const after = await stateOf(db, 'p-5');
    expect(after.status).toBe('running');
    expect(waitStep(after)?.failures.map((f) => [f.attempt, f.error.name])).toEqual([[1, 'CanceledError'], [2, 'CanceledError']]);

    writeFileSync(`${book}.release`, '');
    const again = await rewind(['recover', '--store', `sqlite:${db}`, '--config', PATIENT_CONFIG]);
    expect(again.code).toBe(0);
    expect(waitStep(await stateOf(db, 'p-5'))).toMatchObject({ status: 'succeeded', attempt: 3 });
  });

  it('stops at once with exit 130 on a second Ctrl-C while the close waits for a step that ignores its signal, and the journal stays resumable', async () => {
    const db = tmp.path('twice.db');
    const book = tmp.path('twice.json');
    await restingPatient(db, 'p-3', book);
    writeFileSync(`${book}.stubborn`, '');

    const { child, out, exited } = recoverInChild(db);
    await until('attempt 2 in the child', () => ledger(book).has('p-3:wait#2'));
    child.kill('SIGINT');
    await until('the first SIGINT to be heard', () => out.stderr.includes('Press Ctrl-C again to stop at once.'));
    child.kill('SIGINT');

    expect(await exited).toBe(EXIT_CODES.interrupted);
    // Gone before the close ended: no report was printed.
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('rewind: SIGINT again: stopped at once.');

    // Attempt 2 has no recorded outcome: the journal ends at its start, whole.
    const after = await stateOf(db, 'p-3');
    expect(after.status).toBe('running');
    expect(after.timeline.at(-1)?.event).toMatchObject({ type: 'step-started', step: 'wait', attempt: 2 });

    writeFileSync(`${book}.release`, '');
    const again = await rewind(['recover', '--store', `sqlite:${db}`, '--config', PATIENT_CONFIG]);
    expect(again.code).toBe(0);
    expect((await stateOf(db, 'p-3')).status).toBe('completed');
  });

  it('removes its signal listeners when it ends, so a program driven in-process keeps none', async () => {
    const db = tmp.path('listeners.db');
    const book = tmp.path('listeners.json');
    await restingPatient(db, 'p-4', book);
    writeFileSync(`${book}.release`, '');
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const { code } = await rewind(['recover', '--store', `sqlite:${db}`, '--config', PATIENT_CONFIG]);
    expect(code).toBe(0);
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });
});
