import { describe, expect, it } from 'vitest';
import { CanceledError } from '../../../src/scope/index.js';
import { openStore } from '../../../src/store/index.js';
import {
  QUARANTINE_STREAM_PREFIX,
  SagaJournalInconsistentError,
  encodeEvent,
  runStream,
  type RunStuck,
  type SagaEvent,
} from '../../../src/saga/index.js';
import { CallLog } from '../../fixtures/sagas/call-log.js';
import { diamond } from '../../fixtures/sagas/diamond.js';
import { eventsOf, journalOf, journalViolations, useEngines, useTempDir } from './helpers.js';

const db = useTempDir('recovery');
const openEngine = useEngines();

/** Writes a run journal by hand, as a process that stopped at this point would have left it. */
async function writeJournal(file: string, runId: string, events: SagaEvent[]): Promise<void> {
  const journal = await openStore(`sqlite:${file}`);
  await journal.append(runStream(runId), events.map(encodeEvent), { expectedSeq: 0 });
  await journal.close();
}

const started = (version = 1): SagaEvent => ({ type: 'started', format: 1, saga: 'diamond', version, input: { n: 1 } });
const boom = { name: 'Error', message: 'boom' };

describe('saga engine: recovery', () => {
  it('aborts a running step\'s signal on close, and finishes the run after reopening', async () => {
    const file = db('close-reopen');
    const before = new CallLog({ 'run:b': { ms: 5_000 } });
    const original = diamond(before);
    const first = await openEngine({ store: `sqlite:${file}`, sagas: [original] });
    await first.start(original, { n: 1 }, { id: 'r-1' });
    while (before.of('run', 'b').length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await first.close();
    expect(before.of('run', 'b')[0]!.abortedWith).toBeInstanceOf(CanceledError);

    const after = new CallLog();
    const def = diamond(after);
    const second = await openEngine({ store: `sqlite:${file}`, sagas: [def] });
    expect(await second.result('r-1', { timeout: '2s' })).toMatchObject({ status: 'completed' });
    // c finished before the close; b is run again (its attempt 1 recorded the abort) and d after it.
    expect(after.order('run', true).sort()).toEqual(['b#2', 'd#1']);
    expect(after.of('run', 'b')[0]!.key).toBe('r-1:b');
  });

  it('re-runs a step that recorded no outcome, with the same idempotency key', async () => {
    const file = db('interrupted-step');
    await writeJournal(file, 'r-2', [started(), { type: 'step-started', step: 'a', attempt: 1 }]);
    const log = new CallLog();
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${file}`, sagas: [def] });
    expect(await engine.result('r-2', { timeout: '2s' })).toMatchObject({ status: 'completed' });
    expect(log.of('run', 'a').map((c) => [c.attempt, c.key])).toEqual([[2, 'r-2:a']]);
    const journal = await journalOf(engine.journal, 'r-2');
    expect(journal[2]?.event).toMatchObject({ type: 'step-failed', step: 'a', attempt: 1, error: { name: 'InterruptedError' } });
    expect(journalViolations(def, 'r-2', journal, log)).toEqual([]);
  });

  it('compensates, without re-running it, a step that recorded no outcome when the run was compensating', async () => {
    const file = db('interrupted-compensating');
    await writeJournal(file, 'r-3', [
      started(),
      { type: 'step-started', step: 'a', attempt: 1 },
      { type: 'step-succeeded', step: 'a', attempt: 1, output: 'A' },
      { type: 'step-started', step: 'b', attempt: 1 },
      { type: 'cancel-requested', reason: 'customer left' },
    ]);
    const log = new CallLog();
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${file}`, sagas: [def] });
    expect(await engine.result('r-3', { timeout: '2s' })).toMatchObject({ status: 'compensated' });
    expect(log.order('run')).toEqual([]);
    expect(log.order('compensate')).toEqual(['b', 'a']);
    expect(journalViolations(def, 'r-3', await journalOf(engine.journal, 'r-3'), log)).toEqual([]);
  });

  it('runs again a compensation that recorded no outcome', async () => {
    const file = db('interrupted-compensation');
    await writeJournal(file, 'r-4', [
      started(),
      { type: 'step-started', step: 'a', attempt: 1 },
      { type: 'step-failed', step: 'a', attempt: 1, error: boom },
      { type: 'compensation-started', step: 'a', attempt: 1 },
    ]);
    const log = new CallLog();
    const engine = await openEngine({ store: `sqlite:${file}`, sagas: [diamond(log)] });
    expect(await engine.result('r-4', { timeout: '2s' })).toMatchObject({ status: 'compensated' });
    expect(log.order('compensate', true)).toEqual(['a#2']);
  });

  it('keeps a retry wake-up time across a close and reopen, instead of retrying at once', async () => {
    const file = db('durable-wait');
    const log = new CallLog({ 'run:a': { failures: 1 } });
    const slow = { retry: { attempts: 2, backoff: { initial: 300, max: 300, jitter: false } } } as const;
    const make = (l: CallLog) => diamond(l, { attempts: 2 }).step('e', { run: l.fn('run', 'e'), ...slow });
    const original = make(log);
    const first = await openEngine({ store: `sqlite:${file}`, sagas: [original] });
    await first.start(original, { n: 1 }, { id: 'w' });
    log.script = { 'run:e': { failures: 1 } };
    while (!(await journalOf(first.journal, 'w')).some((r) => r.event.type === 'step-failed' && r.event.step === 'e')) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await first.close();

    const after = new CallLog();
    const second = await openEngine({ store: `sqlite:${file}`, sagas: [make(after)] });
    const failed = (await journalOf(second.journal, 'w')).find((r) => r.event.type === 'step-failed' && r.event.step === 'e')!;
    const wakeAt = failed.event.type === 'step-failed' ? failed.event.wakeAt! : 0;
    // The wake-up time was computed when the failure was recorded, a moment before the store stamped it.
    expect(wakeAt - failed.at).toBeGreaterThan(250);
    expect(await second.result('w', { timeout: '3s' })).toMatchObject({ status: 'completed' });
    expect(after.of('run', 'e')[0]!.startedAt).toBeGreaterThanOrEqual(wakeAt);
  });

  it('keeps a run\'s deadline across a close and reopen: a restart after it passed compensates the run without running its step again', async () => {
    const file = db('durable-deadline');
    const log = new CallLog({ 'run:a': { ms: 60_000 } });
    const original = diamond(log);
    const first = await openEngine({ store: `sqlite:${file}`, sagas: [original] });
    await first.start(original, { n: 1 }, { id: 'late', deadline: '1h' });
    while (log.of('run', 'a').length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await first.close();

    // The restarted process reads two hours later; its step would now succeed at once.
    const after = new CallLog();
    const second = await openEngine({ store: `sqlite:${file}`, sagas: [diamond(after)], clock: () => Date.now() + 2 * 3_600_000 });
    expect(await second.result('late', { timeout: '3s' })).toMatchObject({ status: 'compensated', cause: { cause: 'deadline-passed' } });
    expect(after.of('run', 'a')).toEqual([]);
  });

  it('resumes a ten-minute backoff at the recorded wake-up time on the engine clock, after a restart', async () => {
    const file = db('clock');
    const tenMinutes = 10 * 60_000;
    const make = (l: CallLog) => diamond(l).step('e', { run: l.fn('run', 'e'), retry: { attempts: 2, backoff: { initial: '10m', max: '10m', jitter: false } } });
    const log = new CallLog({ 'run:e': { failures: 1 } });
    const original = make(log);
    const first = await openEngine({ store: `sqlite:${file}`, sagas: [original] });
    const run = await first.start(original, { n: 1 }, { id: 'ten' });
    expect(await run.result({ timeout: 300 })).toMatchObject({ status: 'running' });
    await first.close();
    const journal = await openStore(`sqlite:${file}`);
    const failure = (await journal.read(runStream('ten'))).find((r) => r.type === 'step-failed');
    await journal.close();
    const wakeAt = (failure?.data as { wakeAt: number }).wakeAt;
    expect(wakeAt - failure!.at.getTime()).toBeGreaterThan(tenMinutes - 100);
    // The restarted process's clock reads 200 ms before the recorded wake-up time.
    const offset = wakeAt - 200 - Date.now();
    const reopened = Date.now();
    const after = new CallLog();
    const second = await openEngine({ store: `sqlite:${file}`, sagas: [make(after)], clock: () => Date.now() + offset });
    expect(await second.result('ten', { timeout: 100 })).toMatchObject({ status: 'running' });
    expect(await second.result('ten', { timeout: '2s' })).toMatchObject({ status: 'completed' });
    expect(after.of('run', 'e')[0]!.startedAt - reopened).toBeGreaterThanOrEqual(190);
  });
});

describe('saga engine: versions and untrusted journals', () => {
  it('continues a run on the version it started on after another version is registered', async () => {
    const file = db('pinning');
    const v1 = new CallLog({ 'run:b': { ms: 5_000 } });
    const original = diamond(v1);
    const first = await openEngine({ store: `sqlite:${file}`, sagas: [original] });
    await first.start(original, { n: 1 }, { id: 'v' });
    while (v1.of('run', 'b').length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await first.close();

    const again = new CallLog();
    const v2 = new CallLog();
    const second = await openEngine({ store: `sqlite:${file}`, sagas: [diamond(again, { version: 1 }), diamond(v2, { version: 2 })] });
    expect(await second.result('v', { timeout: '2s' })).toMatchObject({ status: 'completed', version: 1 });
    expect(again.order('run').sort()).toEqual(['b', 'd']);
    expect(v2.calls).toEqual([]);
  });

  it('leaves a run whose version is not registered untouched, reports it, and resumes it once registered', async () => {
    const file = db('unregistered');
    await writeJournal(file, 'old', [started(1), { type: 'step-started', step: 'a', attempt: 1 }]);
    const v2 = new CallLog();
    const engine = await openEngine({ store: `sqlite:${file}`, sagas: [diamond(v2, { version: 2 })] });
    expect(engine.unresumable()).toEqual([{ runId: 'old', saga: 'diamond', version: 1, status: 'running' }]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(eventsOf(await journalOf(engine.journal, 'old'))).toEqual(['started', 'step-started:a']);
    expect(await engine.result('old', { timeout: 10 })).toMatchObject({ status: 'running' });

    const v1 = new CallLog();
    engine.register(diamond(v1, { version: 1 }));
    expect(engine.unresumable()).toEqual([]);
    expect(await engine.result('old', { timeout: '2s' })).toMatchObject({ status: 'completed', version: 1 });
    expect(v1.order('run', true).sort()).toEqual(['a#2', 'b#1', 'c#1', 'd#1']);
    expect(v2.calls).toEqual([]);
  });

  it('moves a run with an inconsistent journal to stuck, noted outside that journal, and never resumes it', async () => {
    const file = db('inconsistent');
    await writeJournal(file, 'broken', [started(), { type: 'step-succeeded', step: 'a', attempt: 1 }]);
    const log = new CallLog();
    const engine = await openEngine({ store: `sqlite:${file}`, sagas: [diamond(log)] });
    const outcome = await engine.result('broken');
    expect(outcome).toMatchObject({ status: 'stuck', phase: 'journal', step: 'a', saga: 'diamond', version: 1 });
    expect(outcome.status === 'stuck' && outcome.reason).toMatch(/inconsistent at seq 2: step-succeeded for step "a"/);
    await expect(engine.get('broken')).rejects.toBeInstanceOf(SagaJournalInconsistentError);
    await expect(engine.cancel('broken')).rejects.toBeInstanceOf(SagaJournalInconsistentError);
    expect((await engine.list({ status: 'stuck' })).map((r) => r.runId)).toEqual(['broken']);
    expect((await engine.journal.streams({ prefix: QUARANTINE_STREAM_PREFIX })).map((s) => [s.stream, s.lastSeq])).toEqual([['stuck:broken', 1]]);
    await engine.close();

    const again = await openEngine({ store: `sqlite:${file}`, sagas: [diamond(log)] });
    expect(await again.result('broken')).toMatchObject({ status: 'stuck', phase: 'journal' });
    expect((await again.journal.streams({ prefix: QUARANTINE_STREAM_PREFIX }))[0]?.lastSeq).toBe(1);
    expect(log.calls).toEqual([]);
  });

  it('moves a run whose journal does not fit its registered definition to stuck, and fires onStuck', async () => {
    const file = db('mismatch');
    await writeJournal(file, 'odd', [started(), { type: 'step-started', step: 'zz', attempt: 1 }]);
    const log = new CallLog();
    const engine = await openEngine({ store: `sqlite:${file}` });
    const stuck: RunStuck[] = [];
    engine.onStuck((run) => stuck.push(run));
    engine.register(diamond(log));
    expect(await engine.result('odd', { timeout: '1s' })).toMatchObject({ status: 'stuck', phase: 'journal' });
    expect(stuck).toMatchObject([{ runId: 'odd', phase: 'journal', step: 'zz' }]);
    expect(stuck[0]!.reason).toMatch(/step "zz" is not a step of saga "diamond" version 1/);
    expect(log.calls).toEqual([]);
  });

  it('detects a second writer of a run journal and stops the run instead of interleaving', async () => {
    const log = new CallLog({ 'run:a': { ms: 100 } });
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${db('second-writer')}`, sagas: [def] });
    const faults: unknown[] = [];
    engine.onError((fault) => faults.push(fault.error));
    const run = await engine.start(def, { n: 1 }, { id: 'two' });
    await engine.journal.append(runStream('two'), [encodeEvent({ type: 'cancel-requested', reason: 'from elsewhere' })]);
    await expect(run.result({ timeout: '2s' })).rejects.toMatchObject({ code: 'JOURNAL_CONFLICT' });
    expect(faults).toMatchObject([{ code: 'JOURNAL_CONFLICT' }]);
  });
});
