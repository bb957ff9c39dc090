import { describe, expect, it } from 'vitest';
import { CanceledError, DeadlineExceededError } from '../../../src/scope/index.js';
import { RunStatusError, saga } from '../../../src/saga/index.js';
import { CallLog } from '../../fixtures/sagas/call-log.js';
import { diamond } from '../../fixtures/sagas/diamond.js';
import { placeOrder } from '../../fixtures/sagas/place-order.js';
import { eventsOf, journalOf, journalViolations, useEngines, useTempDir } from './helpers.js';

const db = useTempDir('cancel');
const openEngine = useEngines();

/** Resolves once `log` has recorded a call of `handler` of `step`. */
async function callStarted(log: CallLog, handler: 'run' | 'confirm', step: string): Promise<void> {
  while (log.of(handler, step).length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('saga engine: cancel, deadlines and timeouts', () => {
  it('aborts the running step\'s signal on cancel, then compensates the steps that started', async () => {
    const log = new CallLog({ 'run:b': { ms: 5_000 }, 'run:c': { ms: 5_000 } });
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${db('cancel')}`, sagas: [def] });
    const run = await engine.start(def, { n: 1 }, { id: 'c-1' });
    await callStarted(log, 'run', 'b');
    const state = await engine.cancel('c-1', 'customer left');
    expect(state.status).toBe('compensating');
    const outcome = await run.result({ timeout: '2s' });
    expect(outcome).toMatchObject({ status: 'compensated', cause: { cause: 'cancel-requested', reason: 'customer left' } });
    const [b] = log.of('run', 'b');
    expect(b!.abortedWith).toBeInstanceOf(CanceledError);
    expect((b!.abortedWith as CanceledError).cause).toBe('customer left');
    // b and c never recorded an output but started: their effect may exist, so they are compensated; d never started.
    expect(log.order('compensate').sort()).toEqual(['a', 'b', 'c']);
    expect(log.order('compensate').at(-1)).toBe('a');
    expect(journalViolations(def, 'c-1', await journalOf(engine.journal, 'c-1'), log)).toEqual([]);
  });

  it('compensates at once when canceled during a retry backoff, without waiting for the retry', async () => {
    const log = new CallLog({ 'run:b': { failures: Infinity } });
    const def = saga('patient', { retry: { attempts: 3, backoff: { initial: '1m', max: '1m', jitter: false } } })
      .step('a', { run: log.fn('run', 'a'), compensate: log.fn('compensate', 'a') })
      .step('b', { run: log.fn('run', 'b'), compensate: log.fn('compensate', 'b') });
    const engine = await openEngine({ store: `sqlite:${db('backoff')}`, sagas: [def] });
    const run = await engine.start(def, null, { id: 'p' });
    expect(await run.result({ timeout: 100 })).toMatchObject({ status: 'running' });
    const canceled = Date.now();
    await engine.cancel('p', 'no more waiting');
    expect(await run.result({ timeout: '2s' })).toMatchObject({ status: 'compensated' });
    expect(Date.now() - canceled).toBeLessThan(1_000);
    expect(log.order('run', true)).toEqual(['a#1', 'b#1']);
    expect(log.order('compensate')).toEqual(['b', 'a']);
  });

  it('refuses to cancel a run that has ended, writing nothing', async () => {
    const def = diamond(new CallLog());
    const engine = await openEngine({ store: `sqlite:${db('ended')}`, sagas: [def] });
    await (await engine.start(def, { n: 1 }, { id: 'done' })).result();
    const before = await journalOf(engine.journal, 'done');
    await expect(engine.cancel('done', 'too late')).rejects.toBeInstanceOf(RunStatusError);
    expect(await journalOf(engine.journal, 'done')).toHaveLength(before.length);
  });

  it('aborts the running step with DeadlineExceededError when the run passes its deadline, then compensates', async () => {
    const log = new CallLog({ 'run:b': { ms: 5_000 } });
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${db('deadline')}`, sagas: [def] });
    const run = await engine.start(def, { n: 1 }, { id: 'late', deadline: 60 });
    const outcome = await run.result({ timeout: '2s' });
    expect(outcome).toMatchObject({ status: 'compensated', cause: { cause: 'deadline-passed' } });
    expect(log.of('run', 'b')[0]!.abortedWith).toBeInstanceOf(DeadlineExceededError);
    expect(eventsOf(await journalOf(engine.journal, 'late'))).toContain('deadline-passed');
  });

  it('fails an attempt that passes its step timeout with DeadlineExceededError, and retries it', async () => {
    let attempt = 0;
    const def = saga('slow', { retry: { attempts: 2, backoff: { initial: 1 } } }).step('wait', {
      timeout: 30,
      run: async (ctx) => {
        attempt = ctx.attempt;
        if (ctx.attempt === 1) await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));
        return 'ok';
      },
    });
    const engine = await openEngine({ store: `sqlite:${db('timeout')}`, sagas: [def] });
    expect(await (await engine.start(def, null, { id: 't' })).result()).toMatchObject({ status: 'completed', outputs: { wait: 'ok' } });
    expect(attempt).toBe(2);
    const [failure] = (await engine.get('t')).steps['wait']!.forward!.failures;
    expect(failure!.error).toMatchObject({ name: 'DeadlineExceededError', code: 'DEADLINE_EXCEEDED' });
  });

  it('records an attempt whose function ignores its aborted signal as failed once the grace period ends', async () => {
    const log = new CallLog({ 'run:b': { ms: 2_000, deaf: true } });
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${db('deaf')}`, sagas: [def], abortGrace: 50 });
    const run = await engine.start(def, { n: 1 }, { id: 'deaf' });
    await callStarted(log, 'run', 'b');
    const requested = Date.now();
    await engine.cancel('deaf', 'stop');
    expect(await run.result({ timeout: '1s' })).toMatchObject({ status: 'compensated' });
    expect(Date.now() - requested).toBeLessThan(1_000);
  });
});

describe('saga engine: TCC steps', () => {
  it('confirms a TCC step only after every step succeeded', async () => {
    const log = new CallLog({ 'run:book-delivery': { ms: 30 } });
    const order = placeOrder(log);
    const engine = await openEngine({ store: `sqlite:${db('confirm')}`, sagas: [order] });
    await (await engine.start(order, { orderId: '1' })).result();
    const [confirm] = log.of('confirm', 'coupon');
    expect(confirm!.startedAt).toBeGreaterThanOrEqual(log.of('run', 'book-delivery')[0]!.endedAt!);
    expect(log.of('cancel', 'coupon')).toEqual([]);
  });

  it('records an empty cancel, without calling cancel, for a TCC step whose try never ran', async () => {
    const log = new CallLog({ 'run:create-order': { failures: Infinity } });
    const order = placeOrder(log, { stepAttempts: 1 });
    const engine = await openEngine({ store: `sqlite:${db('empty-cancel')}`, sagas: [order] });
    expect(await (await engine.start(order, { orderId: '1' }, { id: 'e' })).result()).toMatchObject({ status: 'compensated' });
    expect(log.of('run', 'coupon')).toEqual([]);
    expect(log.of('cancel', 'coupon')).toEqual([]);
    const skipped = (await journalOf(engine.journal, 'e')).find((r) => r.event.type === 'compensation-skipped');
    expect(skipped?.event).toEqual({ type: 'compensation-skipped', step: 'coupon', why: 'empty-cancel' });
  });

  it('never runs a TCC try once the run was canceled', async () => {
    const log = new CallLog({ 'run:create-order': { ms: 5_000 } });
    const order = placeOrder(log);
    const engine = await openEngine({ store: `sqlite:${db('no-late-try')}`, sagas: [order] });
    const run = await engine.start(order, { orderId: '1' }, { id: 'n' });
    await callStarted(log, 'run', 'create-order');
    await engine.cancel('n', 'changed my mind');
    expect(await run.result({ timeout: '2s' })).toMatchObject({ status: 'compensated' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(log.of('run', 'coupon')).toEqual([]);
    expect(log.order('compensate')).toEqual(['create-order']);
    expect(eventsOf(await journalOf(engine.journal, 'n'))).toContain('compensation-skipped:coupon');
  });

  it('records a cancel that comes after the run committed, and completes the run', async () => {
    const log = new CallLog({ 'confirm:coupon': { ms: 100 } });
    const order = placeOrder(log);
    const engine = await openEngine({ store: `sqlite:${db('committed')}`, sagas: [order] });
    const run = await engine.start(order, { orderId: '1' }, { id: 'k' });
    await callStarted(log, 'confirm', 'coupon');
    const state = await engine.cancel('k', 'too late');
    expect(state).toMatchObject({ status: 'running', committed: true, cancel: { reason: 'too late' } });
    expect(await run.result({ timeout: '2s' })).toMatchObject({ status: 'completed' });
    expect(log.of('confirm', 'coupon')[0]!.abortedWith).toBeUndefined();
  });
});
