import { describe, expect, it } from 'vitest';
import { saga, SagaDefinitionError, stepState } from '../../../src/saga/index.js';
import { eventsOf, journalOf, useEngines, useTempDir } from './helpers.js';

const db = useTempDir('compensation-timeout');
const openEngine = useEngines();

const noBackoff = { initial: 1, max: 1, jitter: false } as const;
const fail = (): Promise<never> => Promise.reject(new Error('out of stock'));

describe('saga engine: compensation timeouts', () => {
  it('fails an attempt of a compensation that hangs past its compensationTimeout, and leaves the run stuck once its retries are spent', async () => {
    let calls = 0;
    // Ignores its signal and never settles: without the timeout the run would wait forever.
    const hang = (): Promise<never> => {
      calls++;
      return new Promise<never>(() => undefined);
    };
    const def = saga('hung-refund', { retry: { attempts: 1 }, compensationRetry: { attempts: 2, backoff: noBackoff } })
      .step('charge', { run: () => Promise.resolve(), compensate: hang, compensationTimeout: 50 })
      .step('ship', { run: fail });
    const engine = await openEngine({ store: `sqlite:${db('hang')}`, sagas: [def], compensationBreaker: false, abortGrace: 20 });
    const started = Date.now();
    const outcome = await (await engine.start(def, {}, { id: 'h-1' })).result({ timeout: '5s' });
    expect(outcome).toMatchObject({ status: 'stuck', step: 'charge', phase: 'compensation', error: { name: 'DeadlineExceededError' } });
    expect(calls).toBe(2);
    // Two attempts of at least the timeout each, and nothing near the result's own limit.
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(Date.now() - started).toBeLessThan(3000);
    const state = await engine.get('h-1');
    expect(stepState(state, 'charge')?.compensation?.failures.map((f) => f.error.name)).toEqual(['DeadlineExceededError', 'DeadlineExceededError']);
  });

  it("aborts the compensation's signal at the timeout; the next attempt that finishes in time compensates the run", async () => {
    const signals: AbortSignal[] = [];
    const refund = (ctx: { attempt: number; signal: AbortSignal }): Promise<void> => {
      signals.push(ctx.signal);
      if (ctx.attempt > 1) return Promise.resolve();
      return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }));
    };
    const def = saga('slow-refund', { retry: { attempts: 1 }, compensationRetry: { attempts: 3, backoff: noBackoff }, compensationTimeout: '50ms' })
      .step('charge', { run: () => Promise.resolve(), compensate: refund })
      .step('ship', { run: fail });
    const engine = await openEngine({ store: `sqlite:${db('slow')}`, sagas: [def], compensationBreaker: false });
    const outcome = await (await engine.start(def, {}, { id: 's-1' })).result({ timeout: '5s' });
    expect(outcome).toMatchObject({ status: 'compensated' });
    expect(signals.map((s) => s.aborted)).toEqual([true, false]);
    expect(eventsOf(await journalOf(engine.journal, 's-1')).filter((e) => e.startsWith('compensation-') && e.endsWith(':charge'))).toEqual([
      'compensation-started:charge', 'compensation-failed:charge', 'compensation-started:charge', 'compensation-succeeded:charge',
    ]);
  });

  it('counts a compensation that succeeds just after its timeout, within the grace: its effect is undone', async () => {
    let undone = 0;
    const late = (): Promise<void> => new Promise((resolve) => setTimeout(() => resolve(void undone++), 80));
    const def = saga('late-refund', { retry: { attempts: 1 }, compensationRetry: { attempts: 1 } })
      .step('charge', { run: () => Promise.resolve(), compensate: late, compensationTimeout: 30 })
      .step('ship', { run: fail });
    const engine = await openEngine({ store: `sqlite:${db('late')}`, sagas: [def], compensationBreaker: false, abortGrace: '1s' });
    expect(await (await engine.start(def, {}, { id: 'l-1' })).result({ timeout: '5s' })).toMatchObject({ status: 'compensated' });
    expect(undone).toBe(1);
  });

  it('is refused when it is not a duration > 0, at the saga or the step, naming where', () => {
    expect(() => saga('x', { compensationTimeout: 0 })).toThrow(SagaDefinitionError);
    expect(() => saga('x', { compensationTimeout: 0 })).toThrow(/saga "x" compensationTimeout/);
    expect(() => saga('x').step('a', { run: () => Promise.resolve(), compensate: () => Promise.resolve(), compensationTimeout: 'soon' as never })).toThrow(/step "a" compensationTimeout/);
    const def = saga('x', { compensationTimeout: '2s' })
      .step('a', { run: () => Promise.resolve(), compensate: () => Promise.resolve() })
      .step('b', { run: () => Promise.resolve(), compensate: () => Promise.resolve(), compensationTimeout: 100 });
    expect(def.steps.map((s) => s.compensationTimeoutMs)).toEqual([2000, 100]);
    expect(saga('y').step('a', { run: () => Promise.resolve() }).steps[0]!.compensationTimeoutMs).toBeUndefined();
  });
});
