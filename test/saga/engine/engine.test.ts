import { describe, expect, it } from 'vitest';
import { isRewindError } from '../../../src/errors.js';
import {
  RunConflictError,
  RunNotFoundError,
  SagaVersionNotRegisteredError,
  saga,
  type RunCompleted,
} from '../../../src/saga/index.js';
import { CallLog } from '../../fixtures/sagas/call-log.js';
import { diamond } from '../../fixtures/sagas/diamond.js';
import { placeOrder } from '../../fixtures/sagas/place-order.js';
import { eventsOf, journalOf, journalViolations, useEngines, useTempDir } from './helpers.js';

const db = useTempDir('engine');
const openEngine = useEngines();

describe('saga engine: running sagas', () => {
  it('runs every step once, confirms the TCC step and completes with every output', async () => {
    const log = new CallLog({ 'run:create-order': { output: { id: 'o-42' } }, 'run:coupon': { output: 'C1' } });
    const order = placeOrder(log);
    const engine = await openEngine({ store: `sqlite:${db('happy')}`, sagas: [order] });
    const completed: RunCompleted[] = [];
    engine.onCompleted((run) => completed.push(run));
    const run = await engine.start(order, { orderId: '42' }, { id: 'order-42' });
    const outcome = await run.result();
    expect(outcome).toMatchObject({ status: 'completed', runId: 'order-42', outputs: { 'create-order': { id: 'o-42' }, coupon: 'C1' } });
    expect(log.order('run').sort()).toEqual(['book-delivery', 'coupon', 'create-order', 'reserve-stock']);
    expect(log.order('confirm')).toEqual(['coupon']);
    expect(log.calls.every((c) => c.key === `order-42:${c.step}`)).toBe(true);
    expect(completed.map((r) => r.runId)).toEqual(['order-42']);
    const journal = await journalOf(engine.journal, 'order-42');
    expect(journalViolations(order, 'order-42', journal, log)).toEqual([]);
    expect((await engine.get('order-42')).status).toBe('completed');
  });

  it('makes step-started durable before the step function runs', async () => {
    const log = new CallLog();
    const seen: string[][] = [];
    const engine = await openEngine({ store: `sqlite:${db('durable-start')}` });
    const probe = saga('probe').step('only', {
      run: async (ctx) => {
        seen.push(eventsOf(await journalOf(engine.journal, ctx.runId)));
        return log.fn('run', 'only')(ctx);
      },
    });
    engine.register(probe);
    await (await engine.start(probe, null, { id: 'p' })).result();
    expect(seen).toEqual([['started', 'step-started:only']]);
  });

  it('runs independent steps of the DAG concurrently', async () => {
    const log = new CallLog({ 'run:b': { ms: 80 }, 'run:c': { ms: 80 } });
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${db('dag')}`, sagas: [def] });
    await (await engine.start(def, { n: 1 })).result();
    const [b] = log.of('run', 'b');
    const [c] = log.of('run', 'c');
    // Each takes 80 ms; they overlap when each starts before the other ends.
    expect(b!.startedAt).toBeLessThan(c!.endedAt!);
    expect(c!.startedAt).toBeLessThan(b!.endedAt!);
    const [d] = log.of('run', 'd');
    expect(d!.startedAt).toBeGreaterThanOrEqual(Math.max(b!.endedAt!, c!.endedAt!));
  });

  it('retries a failing step with backoff, with the same idempotency key, then completes', async () => {
    const log = new CallLog({ 'run:b': { failures: 2 } });
    const def = diamond(log, { attempts: 3 });
    const engine = await openEngine({ store: `sqlite:${db('retry')}`, sagas: [def] });
    const outcome = await (await engine.start(def, { n: 1 }, { id: 'r' })).result();
    expect(outcome.status).toBe('completed');
    const attempts = log.of('run', 'b');
    expect(attempts.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(new Set(attempts.map((c) => c.key))).toEqual(new Set(['r:b']));
    // Backoff without jitter: 10 ms, then 20 ms.
    expect(attempts[1]!.startedAt - attempts[0]!.endedAt!).toBeGreaterThanOrEqual(9);
    expect(attempts[2]!.startedAt - attempts[1]!.endedAt!).toBeGreaterThanOrEqual(19);
    const failures = (await journalOf(engine.journal, 'r')).filter((r) => r.event.type === 'step-failed');
    expect(failures.map((r) => r.event.type === 'step-failed' && r.event.wakeAt !== undefined)).toEqual([true, true]);
  });

  it('compensates every started step in reverse DAG order once a step exhausts its retries', async () => {
    const log = new CallLog({ 'run:d': { failures: Infinity }, 'compensate:b': { ms: 30 }, 'compensate:c': { ms: 30 } });
    const def = diamond(log, { attempts: 2 });
    const engine = await openEngine({ store: `sqlite:${db('exhaust')}`, sagas: [def] });
    const outcome = await (await engine.start(def, { n: 1 }, { id: 'x' })).result();
    expect(outcome).toMatchObject({ status: 'compensated', cause: { cause: 'step-failed', step: 'd' } });
    expect(outcome.status === 'compensated' && outcome.error?.message).toBe('run of d failed on attempt 2');
    expect(log.of('run', 'd')).toHaveLength(2);
    // d started, so it is compensated first; b and c (independent) concurrently; a last.
    const order = log.order('compensate');
    expect(order[0]).toBe('d');
    expect(order.slice(1, 3).sort()).toEqual(['b', 'c']);
    expect(order[3]).toBe('a');
    const [b] = log.of('compensate', 'b');
    const [c] = log.of('compensate', 'c');
    expect(b!.startedAt).toBeLessThan(c!.endedAt!);
    expect(log.of('compensate', 'a')[0]!.startedAt).toBeGreaterThanOrEqual(Math.max(b!.endedAt!, c!.endedAt!));
    expect(journalViolations(def, 'x', await journalOf(engine.journal, 'x'), log)).toEqual([]);
  });

  it('fails an attempt whose output is not JSON, with a clear error, instead of writing a broken journal', async () => {
    const log = new CallLog();
    let calls = 0;
    const def = saga('bad-output', { retry: { attempts: 2, backoff: { initial: 1 } } })
      .step('a', { run: log.fn('run', 'a'), compensate: log.fn('compensate', 'a') })
      .step('b', {
        run: () => {
          calls++;
          const cyclic: Record<string, unknown> = { n: calls };
          cyclic['self'] = cyclic;
          return Promise.resolve(calls === 1 ? { total: 10n } : cyclic) as Promise<never>;
        },
      });
    const engine = await openEngine({ store: `sqlite:${db('non-json')}`, sagas: [def] });
    const outcome = await (await engine.start(def, null, { id: 'nj' })).result();
    expect(outcome.status).toBe('compensated');
    const state = await engine.get('nj');
    const errors = state.steps['b']!.forward!.failures.map((f) => f.error.message);
    expect(errors[0]).toMatch(/the output of step "b"\.total must be JSON/);
    expect(errors[1]).toMatch(/the output of step "b"\.self must be JSON \(no cycles\)/);
    expect(log.order('compensate')).toEqual(['a']);
  });

  it('refuses a non-JSON input before anything is written', async () => {
    const log = new CallLog();
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${db('bad-input')}`, sagas: [def] });
    await expect(engine.start(def, { n: 1, when: new Date() } as never, { id: 'bad' })).rejects.toSatisfy((e) => isRewindError(e, 'INVALID_ARGUMENT'));
    await expect(engine.start(def, undefined as never, { id: 'bad' })).rejects.toSatisfy((e) => isRewindError(e, 'INVALID_ARGUMENT'));
    expect(await engine.journal.streams()).toEqual([]);
  });

  it('returns the existing run when started again with its id, without a second started record', async () => {
    const log = new CallLog({ 'run:a': { ms: 30 } });
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${db('idempotent')}`, sagas: [def] });
    const [first, second] = await Promise.all([engine.start(def, { n: 1 }, { id: 'same' }), engine.start(def, { n: 2 }, { id: 'same' })]);
    expect([first.created, second.created].sort()).toEqual([false, true]);
    await first.result();
    const third = await engine.start(def, { n: 3 }, { id: 'same' });
    expect(third.created).toBe(false);
    expect(await third.result()).toMatchObject({ status: 'completed' });
    const journal = await journalOf(engine.journal, 'same');
    expect(journal.filter((r) => r.event.type === 'started')).toHaveLength(1);
    expect(log.of('run', 'a')).toHaveLength(1);
    const other = saga('other').step('x', { run: () => Promise.resolve(undefined) });
    engine.register(other);
    await expect(engine.start(other, null, { id: 'same' })).rejects.toBeInstanceOf(RunConflictError);
  });

  it('returns running from result() past its timeout while the run goes on, then completes', async () => {
    const log = new CallLog({ 'run:a': { ms: 150 } });
    const def = diamond(log);
    const engine = await openEngine({ store: `sqlite:${db('result-timeout')}`, sagas: [def] });
    const run = await engine.start(def, { n: 1 });
    expect(await run.result({ timeout: 20 })).toEqual({ status: 'running', runId: run.runId });
    expect(await run.result({ timeout: '5s' })).toMatchObject({ status: 'completed' });
  });

  it('refuses to start a saga version that is not registered, and to read a run that does not exist', async () => {
    const engine = await openEngine({ store: `sqlite:${db('unregistered')}` });
    const def = diamond(new CallLog());
    await expect(engine.start(def, { n: 1 })).rejects.toBeInstanceOf(SagaVersionNotRegisteredError);
    await expect(engine.get('nope')).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(engine.cancel('nope')).rejects.toBeInstanceOf(RunNotFoundError);
    expect(await engine.journal.streams()).toEqual([]);
  });

  it('lists runs with their status, filtered by status and saga', async () => {
    const log = new CallLog({ 'run:d': { failures: Infinity } });
    const def = diamond(log, { attempts: 1 });
    const order = placeOrder(new CallLog());
    const engine = await openEngine({ store: `sqlite:${db('list')}`, sagas: [def, order] });
    await (await engine.start(def, { n: 1 }, { id: 'd-1' })).result();
    await (await engine.start(order, { orderId: '1' }, { id: 'o-1' })).result();
    expect((await engine.list()).map((r) => [r.runId, r.saga, r.status])).toEqual([
      ['d-1', 'diamond', 'compensated'],
      ['o-1', 'place-order', 'completed'],
    ]);
    expect((await engine.list({ status: 'completed' })).map((r) => r.runId)).toEqual(['o-1']);
    expect((await engine.list({ saga: 'diamond' })).map((r) => r.runId)).toEqual(['d-1']);
  });

  it('lists runs started since a time, and the newest ones first under a limit; refuses bad values naming them', async () => {
    const order = placeOrder(new CallLog());
    const engine = await openEngine({ store: `sqlite:${db('list-since')}`, sagas: [order] });
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
    await (await engine.start(order, { orderId: '1' }, { id: 'o-1' })).result();
    await pause();
    const since = new Date();
    for (const id of ['o-2', 'o-3']) {
      await pause();
      await (await engine.start(order, { orderId: id }, { id })).result();
    }
    expect((await engine.list({ since })).map((r) => r.runId)).toEqual(['o-2', 'o-3']);
    expect((await engine.list({ since: since.getTime() + 60_000 })).map((r) => r.runId)).toEqual([]);
    expect((await engine.list({ limit: 2 })).map((r) => r.runId)).toEqual(['o-3', 'o-2']);
    expect((await engine.list({ limit: 1, since: 0, status: 'completed' })).map((r) => r.runId)).toEqual(['o-3']);
    for (const [options, path] of [[{ limit: 0 }, 'options.limit'], [{ limit: 1.5 }, 'options.limit'], [{ since: 'yesterday' }, 'options.since'], [{ since: new Date('x') }, 'options.since']] as const) {
      await expect(engine.list(options as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', path });
    }
  });
});
