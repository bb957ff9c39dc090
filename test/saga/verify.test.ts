import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { RunNotFoundError, RunStatusError, saga, type JsonValue } from '../../src/saga/index.js';
import { OrderWorld, orderEffects } from '../fixtures/sagas/order-effects.js';
import { useEngines, useTempDir } from './engine/helpers.js';

const db = useTempDir('verify');
const openEngine = useEngines();
const input = { orderId: '42' };

/** An engine with `definition` registered, and run `runId` of it completed and then reverted. */
async function reverted(definition: ReturnType<typeof orderEffects>, runId = 'r') {
  const engine = await openEngine({ store: `sqlite:${db(runId)}`, sagas: [definition] });
  await (await engine.start(definition, input, { id: runId })).result();
  await engine.revert(runId, { reason: 'changed their mind' });
  expect(await engine.result(runId, { timeout: '2s' })).toMatchObject({ status: 'compensated' });
  return engine;
}

describe('engine.verify', () => {
  it('reports every compensated step clean when its verify says the effect is gone', async () => {
    const world = new OrderWorld();
    const engine = await reverted(orderEffects(world));
    expect(world.rows.size).toBe(0);
    expect(await engine.verify('r')).toEqual({
      runId: 'r',
      ok: true,
      steps: ['create-order', 'reserve-stock', 'coupon', 'charge'].map((step) => ({ step, status: 'clean', remaining: [] })),
    });
  });

  it('reports a step whose effect is still in place as remaining, saying so, and the report as not ok', async () => {
    const world = new OrderWorld();
    const engine = await reverted(orderEffects(world, { leaky: ['reserve-stock'] }));
    const report = await engine.verify('r');
    expect(report.ok).toBe(false);
    expect(report.steps.find((s) => s.step === 'reserve-stock')).toEqual({
      step: 'reserve-stock', status: 'remaining', remaining: ['the effect of step "reserve-stock" is still in place (its verify says so)'],
    });
    expect(report.steps.filter((s) => s.status === 'clean').map((s) => s.step)).toEqual(['create-order', 'coupon', 'charge']);
  });

  it('reports a verify that throws, answers nonsense or does not answer in time as error', async () => {
    const engine = await reverted(orderEffects(new OrderWorld(), { brokenVerify: 'coupon' }));
    const report = await engine.verify('r');
    expect(report.ok).toBe(false);
    expect(report.steps.find((s) => s.step === 'coupon')).toEqual({
      step: 'coupon', status: 'error', remaining: [], error: 'the verify of step "coupon" threw: the inventory service is down',
    });

    let aborted: unknown;
    const odd = saga('odd')
      .step('number', { run: () => Promise.resolve(1), compensate: () => Promise.resolve(), verify: () => Promise.resolve(7 as unknown as boolean) })
      .step('slow', {
        run: () => Promise.resolve(2),
        compensate: () => Promise.resolve(),
        verify: (ctx) => new Promise<boolean>((resolve) => ctx.signal.addEventListener('abort', () => {
          aborted = ctx.signal.reason;
          setTimeout(() => resolve(false), 500);
        })),
      });
    engine.register(odd);
    await (await engine.start(odd, null, { id: 'odd' })).result();
    await engine.revert('odd', { reason: 'test' });
    await engine.result('odd');
    const started = Date.now();
    const oddReport = await engine.verify('odd', { timeout: 50 });
    expect(Date.now() - started).toBeLessThan(400);
    expect(oddReport.steps).toEqual([
      { step: 'number', status: 'error', remaining: [], error: 'the verify of step "number" returned number; it must return true, false or a list of strings' },
      { step: 'slow', status: 'error', remaining: [], error: 'the verify of step "slow" threw: the verify of step "slow" did not answer within 50 ms' },
    ]);
    expect(aborted).toBeInstanceOf(Error);
  });

  it('lists steps without a verify as no-verify without failing the report, and leaves out steps with nothing to undo', async () => {
    const seen: { output: JsonValue | undefined; outputs: unknown; key: string }[] = [];
    const mixed = saga('mixed')
      .step('a', { run: () => Promise.resolve('A'), compensate: () => Promise.resolve() })
      .step('b', {
        run: () => Promise.resolve('B'),
        compensate: () => Promise.resolve(),
        // A list of what differs from the effect being in place: it is not.
        verify: (ctx) => {
          seen.push({ output: ctx.output, outputs: ctx.outputs, key: ctx.idempotencyKey });
          return Promise.resolve(['the booking is cancelled']);
        },
      })
      .step('log', { run: () => Promise.resolve() })
      .step('fail', { run: () => Promise.reject(new Error('no')), retry: { attempts: 1 } });
    const engine = await openEngine({ store: `sqlite:${db('mixed')}`, sagas: [mixed] });
    expect(await (await engine.start(mixed, null, { id: 'm' })).result()).toMatchObject({ status: 'compensated' });
    expect(await engine.verify('m')).toEqual({
      runId: 'm',
      ok: true,
      steps: [{ step: 'a', status: 'no-verify', remaining: [] }, { step: 'b', status: 'clean', remaining: [] }],
    });
    // The verify sees what the step's other functions see.
    expect(seen).toEqual([{ output: 'B', outputs: { a: 'A' }, key: 'm:b' }]);
  });

  it('refuses a run that is not compensated, an unknown run and bad options', async () => {
    const def = orderEffects(new OrderWorld());
    const engine = await openEngine({ store: `sqlite:${db('refused')}`, sagas: [def] });
    await (await engine.start(def, input, { id: 'done' })).result();
    await expect(engine.verify('done')).rejects.toThrow(RunStatusError);
    await expect(engine.verify('done')).rejects.toThrow(/Cannot verify saga run "done" while it is completed: only a compensated run is verified/);
    await expect(engine.verify('nobody')).rejects.toBeInstanceOf(RunNotFoundError);
    await expect(engine.verify('done', { timeout: 'soon' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
