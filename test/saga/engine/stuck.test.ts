import { describe, expect, it } from 'vitest';
import { RunStatusError, saga, type RunStuck } from '../../../src/saga/index.js';
import { CallLog } from '../../fixtures/sagas/call-log.js';
import { diamond } from '../../fixtures/sagas/diamond.js';
import { placeOrder } from '../../fixtures/sagas/place-order.js';
import { eventsOf, journalOf, journalViolations, useEngines, useTempDir } from './helpers.js';

const db = useTempDir('stuck');
const openEngine = useEngines();

/** Two steps; `b` always fails, so `a` is compensated, and `a`'s compensation fails as scripted. */
function fragile(log: CallLog, name = 'fragile', compensationAttempts = 5) {
  const backoff = { initial: 5, max: 5, jitter: false } as const;
  return saga(name, { retry: { attempts: 1 }, compensationRetry: { attempts: compensationAttempts, backoff } })
    .step('a', { run: log.fn('run', 'a'), compensate: log.fn('compensate', 'a') })
    .step('b', { run: log.fn('run', 'b') });
}

describe('saga engine: stuck runs and their resolution', () => {
  it('moves a run to stuck when a compensation keeps failing, fires onStuck, and goes on to compensated after a retry resolution', async () => {
    const log = new CallLog({ 'run:d': { failures: Infinity }, 'compensate:b': { failures: Infinity } });
    const def = diamond(log, { attempts: 1, compensationAttempts: 2 });
    const engine = await openEngine({ store: `sqlite:${db('resolve-retry')}`, sagas: [def], compensationBreaker: false });
    const stuck: RunStuck[] = [];
    engine.onStuck((run) => stuck.push(run));
    const run = await engine.start(def, { n: 1 }, { id: 's-1' });
    const outcome = await run.result({ timeout: '2s' });
    expect(outcome).toMatchObject({ status: 'stuck', step: 'b', phase: 'compensation', error: { message: 'compensate of b failed on attempt 2' } });
    expect(stuck).toEqual([outcome]);
    expect(log.of('compensate', 'b')).toHaveLength(2);
    expect(log.of('compensate', 'a')).toEqual([]);
    expect((await engine.list({ status: 'stuck' })).map((r) => r.runId)).toEqual(['s-1']);

    log.script = {};
    const resolved = await engine.resolve('s-1', { step: 'b', action: 'retry', reason: 'payment service is back', by: 'ops@example.com' });
    expect(resolved.status).toBe('compensating');
    expect(await run.result({ timeout: '2s' })).toMatchObject({ status: 'compensated' });
    expect(log.of('compensate', 'b').map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(log.order('compensate').at(-1)).toBe('a');
    const journal = await journalOf(engine.journal, 's-1');
    expect(journal.find((r) => r.event.type === 'resolved')?.event).toMatchObject({ action: 'retry', by: 'ops@example.com' });
    expect(journalViolations(def, 's-1', journal, log)).toEqual([]);
  });

  it('continues compensating after an operator resolves the stuck step as compensated by hand', async () => {
    const log = new CallLog({ 'run:d': { failures: Infinity }, 'compensate:c': { failures: Infinity } });
    const def = diamond(log, { attempts: 1, compensationAttempts: 1 });
    const engine = await openEngine({ store: `sqlite:${db('resolve-done')}`, sagas: [def], compensationBreaker: false });
    const run = await engine.start(def, { n: 1 }, { id: 's-2' });
    expect(await run.result()).toMatchObject({ status: 'stuck', step: 'c' });
    await expect(engine.resolve('s-2', { step: 'b', action: 'compensated', reason: 'wrong step' })).rejects.toBeInstanceOf(RunStatusError);
    await engine.resolve('s-2', { step: 'c', action: 'compensated', reason: 'refunded by hand' });
    expect(await run.result({ timeout: '2s' })).toMatchObject({ status: 'compensated' });
    expect(log.of('compensate', 'c')).toHaveLength(1);
    expect(log.of('compensate', 'a')).toHaveLength(1);
  });

  it('moves a run whose TCC confirmation keeps failing to stuck, and completes it once resolved as confirmed', async () => {
    const log = new CallLog({ 'confirm:coupon': { failures: Infinity } });
    const order = placeOrder(log);
    const engine = await openEngine({ store: `sqlite:${db('confirm-stuck')}`, sagas: [order], compensationBreaker: false });
    const run = await engine.start(order, { orderId: '1' }, { id: 'tcc' });
    expect(await run.result({ timeout: '2s' })).toMatchObject({ status: 'stuck', step: 'coupon', phase: 'confirm' });
    expect(log.of('confirm', 'coupon')).toHaveLength(3);
    await engine.resolve('tcc', { step: 'coupon', action: 'confirmed', reason: 'coupon marked used by hand' });
    expect(await run.result({ timeout: '2s' })).toMatchObject({ status: 'completed' });
    expect(log.order('compensate')).toEqual([]);
  });

  it('refuses a resolution for a run that is not stuck, writing nothing', async () => {
    const def = diamond(new CallLog());
    const engine = await openEngine({ store: `sqlite:${db('not-stuck')}`, sagas: [def] });
    await (await engine.start(def, { n: 1 }, { id: 'fine' })).result();
    await expect(engine.resolve('fine', { step: 'a', action: 'retry', reason: 'why not' })).rejects.toBeInstanceOf(RunStatusError);
    expect(eventsOf(await journalOf(engine.journal, 'fine'))).not.toContain('resolved');
  });
});

describe('saga engine: compensation circuit breaker', () => {
  it('escalates compensation failures of one saga straight to stuck once its breaker opens, without calling the service again', async () => {
    const log = new CallLog({ 'run:b': { failures: Infinity }, 'compensate:a': { failures: Infinity } });
    const def = fragile(log);
    const healthyLog = new CallLog({ 'run:b': { failures: Infinity } });
    const healthy = fragile(healthyLog, 'healthy');
    const engine = await openEngine({
      store: `sqlite:${db('breaker')}`,
      sagas: [def, healthy],
      compensationBreaker: { consecutiveFailures: 3, halfOpenAfter: '1m' },
    });
    const first = await (await engine.start(def, null, { id: 'f-1' })).result({ timeout: '2s' });
    // The third consecutive failure opens the breaker: it is final, although the policy allows 5 attempts.
    expect(first).toMatchObject({ status: 'stuck', step: 'a' });
    expect(log.of('compensate', 'a')).toHaveLength(3);
    const failures = (await journalOf(engine.journal, 'f-1')).filter((r) => r.event.type === 'compensation-failed');
    expect(failures.map((r) => r.event.type === 'compensation-failed' && r.event.wakeAt !== undefined)).toEqual([true, true, false]);

    const second = await (await engine.start(def, null, { id: 'f-2' })).result({ timeout: '2s' });
    expect(second).toMatchObject({ status: 'stuck', step: 'a', error: { name: 'CompensationCircuitOpenError', code: 'SAGA_CIRCUIT_OPEN' } });
    expect(log.of('compensate', 'a')).toHaveLength(3);

    // Another saga's compensations go through their own breaker.
    expect(await (await engine.start(healthy, null, { id: 'h-1' })).result({ timeout: '2s' })).toMatchObject({ status: 'compensated' });
  });

  it('retries a compensation through its whole budget when the breaker is off', async () => {
    const log = new CallLog({ 'run:b': { failures: Infinity }, 'compensate:a': { failures: Infinity } });
    const def = fragile(log);
    const engine = await openEngine({ store: `sqlite:${db('no-breaker')}`, sagas: [def], compensationBreaker: false });
    expect(await (await engine.start(def, null)).result({ timeout: '2s' })).toMatchObject({ status: 'stuck' });
    expect(log.of('compensate', 'a')).toHaveLength(5);
  });
});
