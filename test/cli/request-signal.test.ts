// Ctrl-C in the commands that make a request and then wait for the run (cancel, revert,
// retry, resolve), for real: the built binary in its own process, the run's compensation in
// flight in it, and the signal sent once that compensation's attempt has started there. The
// journal is then read back and the run finished by a recovery, because the request must
// outlive the stop.
import { unlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/cli/index.js';
import { openEngine, stepState, type RunState } from '../../src/saga/index.js';
import { ledger } from '../fixtures/cli/ledger.js';
import { patient } from './fixtures/patient.config.js';
import { eventsOf, rewind, stateOf, useTempDir } from './helpers.js';
import { PATIENT_CONFIG, restingPatient, rewindInChild, until, type Child } from './signals.js';

const tmp = useTempDir('request-signal');

/** Runs `runId` of the patient saga in `db` to completion, released, then takes the release back so its compensation will wait. */
async function completedPatient(db: string, runId: string, book: string): Promise<void> {
  writeFileSync(`${book}.release`, '');
  const engine = await openEngine({ store: `sqlite:${db}`, sagas: [patient], durability: 'none' });
  try {
    await (await engine.start(patient, { ledger: book }, { id: runId })).result({ timeout: '10s' });
  } finally {
    await engine.close();
  }
  unlinkSync(`${book}.release`);
}

/**
 * Reverts completed run `runId` of the patient saga while its compensation refuses every
 * attempt, so the run uses up its five and rests stuck; then takes the refusal back, so a
 * retried compensation waits for its release. The breaker is off so that the attempts, not
 * the breaker, get it stuck.
 */
async function stuckPatient(db: string, runId: string, book: string): Promise<void> {
  await completedPatient(db, runId, book);
  writeFileSync(`${book}.refuse`, '');
  const engine = await openEngine({ store: `sqlite:${db}`, sagas: [patient], durability: 'none', compensationBreaker: false });
  try {
    await engine.revert(runId, { reason: 'placed by mistake', by: 'ops' });
    expect(await engine.result(runId, { timeout: '10s' })).toMatchObject({ status: 'stuck' });
  } finally {
    await engine.close();
  }
  unlinkSync(`${book}.refuse`);
}

/** `rewind ...args` on `db` with the patient config, in a child process running the built binary. */
function requestInChild(db: string, args: readonly string[]) {
  return rewindInChild([...args, '--store', `sqlite:${db}`, '--config', PATIENT_CONFIG], tmp.dir);
}

/**
 * Waits until the child waits for run `runId` with its compensation (attempt `attempt`) in
 * flight. Both are needed: the engine takes the run up as it records the request, so the
 * compensation can start before the command listens for signals (a signal then would meet
 * Node's default and end the child outright); the request's line is printed once it listens.
 */
async function untilWaiting(out: Child['out'], runId: string, book: string, attempt = 1): Promise<void> {
  await until('the request to be recorded', () => out.stdout.includes('(recorded)\n'));
  await until(`compensation attempt ${attempt} in the child`, () => ledger(book).has(`${runId}:wait:undo#${attempt}`));
}

/** The compensation of the run's one step, as the journal has it. */
function undo(state: RunState) {
  return stepState(state, 'wait')?.compensation;
}

/** Releases the patient's calls and runs a recovery pass in-process; the run must come to compensated. */
async function releaseAndRecover(db: string, runId: string, book: string): Promise<void> {
  writeFileSync(`${book}.release`, '');
  const again = await rewind(['recover', '--store', `sqlite:${db}`, '--config', PATIENT_CONFIG]);
  expect(again.code).toBe(0);
  expect(again.stdout).toMatch(/\n {2}compensated +1 +resumed and compensated/);
  expect((await stateOf(db, runId)).status).toBe('compensated');
}

describe('rewind cancel, revert, retry and resolve stopped with Ctrl-C while they wait', () => {
  it('rewind cancel: SIGINT stops the wait, the engine closes gracefully, the run is printed as left and the command exits 7; a recovery then finishes it', async () => {
    const db = tmp.path('cancel.db');
    const book = tmp.path('cancel.json');
    await restingPatient(db, 'c-1', book);

    const { child, out, exited } = requestInChild(db, ['cancel', 'c-1', '--reason', 'customer left']);
    await untilWaiting(out, 'c-1', book);
    child.kill('SIGINT');

    expect(await exited).toBe(EXIT_CODES.unsettled);
    const lines = out.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['cancel requested for run c-1: customer left (recorded)', 'run c-1  patient v1  compensating']);
    expect(out.stdout).toMatch(/\n {2}wait +compensating .+ retrying x1, .+ compensate #1: .+ the saga engine is closing\.\n/);
    expect(out.stderr).toContain('rewind: SIGINT: stopped waiting for run c-1 (the request is recorded); running steps are asked to stop');
    expect(out.stderr).toMatch(/rewind: Run "c-1" did not come to compensated: SIGINT stopped the wait\. It goes on when an engine with its saga resumes it: rewind recover --config <file>, or the service restarting\.\n$/);

    // The request is durable, and the compensation saw its signal abort within the grace
    // period: its attempt is recorded as failed by the close, and it waits to be retried.
    const after = await stateOf(db, 'c-1');
    expect(after).toMatchObject({ status: 'compensating', compensation: { cause: 'cancel-requested', reason: 'customer left' } });
    expect(undo(after)).toMatchObject({ status: 'retrying', attempt: 1 });
    expect(undo(after)?.failures.map((f) => [f.attempt, f.error.name])).toEqual([[1, 'CanceledError']]);

    await releaseAndRecover(db, 'c-1', book);
    expect(ledger(book).has('c-1:wait:undo#2')).toBe(true);
  });

  it('rewind revert: SIGTERM stops the wait the same way, and the run printed is the journal\'s after the close', async () => {
    const db = tmp.path('revert.db');
    const book = tmp.path('revert.json');
    await completedPatient(db, 'r-1', book);

    const { child, out, exited } = requestInChild(db, ['revert', 'r-1', '--by', 'ops']);
    await untilWaiting(out, 'r-1', book);
    child.kill('SIGTERM');

    expect(await exited).toBe(EXIT_CODES.unsettled);
    const after = await stateOf(db, 'r-1');
    expect(after).toMatchObject({ status: 'compensating', revert: { by: 'ops' } });
    expect(undo(after)?.failures.map((f) => [f.attempt, f.error.name])).toEqual([[1, 'CanceledError']]);
    const lines = out.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['revert of run r-1 by ops: reverted with rewind revert (recorded)', 'run r-1  patient v1  compensating']);
    // The failure the close recorded is printed: the run was read after the close.
    expect(out.stdout).toContain(`compensate #1: ${undo(after)?.failures[0]?.error.message}`);
    expect(out.stderr).toMatch(/^rewind: SIGTERM: stopped waiting for run r-1 /);
    expect(out.stderr).toContain('rewind: Run "r-1" did not come to compensated: SIGTERM stopped the wait.');

    await releaseAndRecover(db, 'r-1', book);
  });

  it('rewind retry: SIGINT stops the wait on the retried compensation, the close records its attempt as failed, the command exits 7; a recovery then finishes it', async () => {
    const db = tmp.path('retry.db');
    const book = tmp.path('retry.json');
    await stuckPatient(db, 's-1', book);

    const { child, out, exited } = requestInChild(db, ['retry', 's-1', '--reason', 'payment service is back', '--by', 'ops']);
    // Attempts 1 to 5 were refused before; attempt 6 is the retry's, in flight in the child.
    await untilWaiting(out, 's-1', book, 6);
    child.kill('SIGINT');

    expect(await exited).toBe(EXIT_CODES.unsettled);
    const lines = out.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['retry of compensation "wait" of run s-1: payment service is back (recorded)', 'run s-1  patient v1  compensating']);
    expect(out.stdout).toMatch(/\n {2}wait +compensating +1 .+ retrying x6, .+ compensate #6: .+ the saga engine is closing\.\n/);
    expect(out.stderr).toContain('rewind: SIGINT: stopped waiting for run s-1 (the request is recorded); running steps are asked to stop');
    // Not stuck again: the retry's fresh budget has room for the attempt the close cut short,
    // so the fix named is a recovery, not another retry.
    expect(out.stderr).toMatch(/rewind: Run "s-1" did not come to compensated: SIGINT stopped the wait\. It goes on when an engine with its saga resumes it: rewind recover --config <file>, or the service restarting\.\n$/);

    // The resolution is durable, and attempt 6 saw its signal abort within the grace period.
    const after = await stateOf(db, 's-1');
    expect(after).toMatchObject({ status: 'compensating', stuck: undefined, revert: { by: 'ops', reason: 'placed by mistake' } });
    expect(undo(after)).toMatchObject({ status: 'retrying', attempt: 6, resolution: { action: 'retry', by: 'ops', reason: 'payment service is back' } });
    expect(undo(after)?.failures.map((f) => [f.attempt, f.error.name])).toEqual([[1, 'Error'], [2, 'Error'], [3, 'Error'], [4, 'Error'], [5, 'Error'], [6, 'CanceledError']]);
    expect(eventsOf(after.timeline).slice(-3)).toEqual(['resolved:wait', 'compensation-started:wait', 'compensation-failed:wait']);

    await releaseAndRecover(db, 's-1', book);
    expect(ledger(book).has('s-1:wait:undo#7')).toBe(true);
  });

  it('rewind resolve --retry: SIGTERM stops the wait the same way, and the run printed is the journal\'s after the close', async () => {
    const db = tmp.path('resolve.db');
    const book = tmp.path('resolve.json');
    await stuckPatient(db, 's-2', book);

    const { child, out, exited } = requestInChild(db, ['resolve', 's-2', '--step', 'wait', '--retry', '--reason', 'coupon service redeployed', '--by', 'ops']);
    await untilWaiting(out, 's-2', book, 6);
    child.kill('SIGTERM');

    expect(await exited).toBe(EXIT_CODES.unsettled);
    const after = await stateOf(db, 's-2');
    expect(after).toMatchObject({ status: 'compensating', stuck: undefined });
    expect(undo(after)).toMatchObject({ status: 'retrying', attempt: 6, resolution: { action: 'retry', by: 'ops', reason: 'coupon service redeployed' } });
    expect(undo(after)?.failures.at(-1)).toMatchObject({ attempt: 6, error: { name: 'CanceledError' } });
    const lines = out.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual(['step "wait" of run s-2 resolved as retry by ops: coupon service redeployed (recorded)', 'run s-2  patient v1  compensating']);
    // The failure the close recorded is printed: the run was read after the close.
    expect(out.stdout).toContain(`compensate #6: ${undo(after)?.failures.at(-1)?.error.message}`);
    expect(out.stderr).toMatch(/^rewind: SIGTERM: stopped waiting for run s-2 /);
    expect(out.stderr).toContain('rewind: Run "s-2" did not come to compensated: SIGTERM stopped the wait. It goes on when an engine with its saga resumes it');

    await releaseAndRecover(db, 's-2', book);
  });

  it('stops at once with exit 130 on a second Ctrl-C while the close waits for a compensation that ignores its signal, and the journal stays resumable', async () => {
    const db = tmp.path('twice.db');
    const book = tmp.path('twice.json');
    await completedPatient(db, 'r-2', book);
    writeFileSync(`${book}.stubborn`, '');

    const { child, out, exited } = requestInChild(db, ['revert', 'r-2', '--by', 'ops', '--reason', 'placed twice']);
    await untilWaiting(out, 'r-2', book);
    child.kill('SIGINT');
    await until('the first SIGINT to be heard', () => out.stderr.includes('Press Ctrl-C again to stop at once.'));
    child.kill('SIGINT');

    expect(await exited).toBe(EXIT_CODES.interrupted);
    // Gone before the close ended: nothing after the request's line was printed.
    expect(out.stdout).toBe('revert of run r-2 by ops: placed twice (recorded)\n');
    expect(out.stderr).toContain('rewind: SIGINT again: stopped at once.');

    // The compensation's attempt has no recorded outcome: the journal ends at its start, whole.
    const after = await stateOf(db, 'r-2');
    expect(after).toMatchObject({ status: 'compensating', revert: { reason: 'placed twice' } });
    expect(eventsOf(after.timeline).slice(-2)).toEqual(['revert-requested', 'compensation-started:wait']);

    await releaseAndRecover(db, 'r-2', book);
  });

  it('removes its signal listeners when the wait ends, settled or not, so a program driven in-process keeps none', async () => {
    const counts = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const before = counts();

    const db = tmp.path('listeners.db');
    const book = tmp.path('listeners.json');
    await completedPatient(db, 'r-3', book);
    await completedPatient(db, 'r-4', book);
    const unsettled = await rewind(['revert', 'r-3', '--timeout', '100ms', '--store', `sqlite:${db}`, '--config', PATIENT_CONFIG]);
    expect(unsettled.code).toBe(EXIT_CODES.unsettled);
    expect(unsettled.stderr).toContain('did not come to compensated: still compensating after');
    expect(counts()).toEqual(before);

    writeFileSync(`${book}.release`, '');
    const settled = await rewind(['revert', 'r-4', '--store', `sqlite:${db}`, '--config', PATIENT_CONFIG]);
    expect([settled.code, settled.stderr]).toEqual([0, '']);
    expect(counts()).toEqual(before);
  });
});
