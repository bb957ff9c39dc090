import { describe, it, expect } from 'vitest';
import {
  RunStatusError,
  SagaJournalInconsistentError,
  decodeRecord,
  encodeEvent,
  plan,
  reduce,
  revertPlan,
  type SagaEvent,
} from '../../src/saga/index.js';
import { RUN, T0, boom, diamond, journal, placeOrder, ran, started } from './fixtures.js';

const revert: SagaEvent = { type: 'revert-requested', reason: 'the customer changed their mind', by: 'ops' };

/** The journal of a completed run of the order saga: every step ran, the coupon was confirmed. */
const completedOrder: SagaEvent[] = [
  started(placeOrder),
  ...ran('create-order', 'O'),
  ...ran('reserve-stock', 'R'),
  ...ran('coupon', 'C1'),
  ...ran('book-delivery', 'B'),
  { type: 'confirm-started', step: 'coupon', attempt: 1 },
  { type: 'confirm-succeeded', step: 'coupon', attempt: 1 },
  { type: 'completed' },
];

const completedDiamond: SagaEvent[] = [started(diamond), ...ran('a', 'A'), ...ran('b', 'B'), ...ran('c', 'C'), ...ran('d', 'D'), { type: 'completed' }];

const compensated = (step: string): SagaEvent[] => [
  { type: 'compensation-started', step, attempt: 1 },
  { type: 'compensation-succeeded', step, attempt: 1 },
];

describe('reduce: revert-requested', () => {
  it('turns a completed run compensating and records who reverted it, why and when', () => {
    const state = reduce(RUN, journal(...completedOrder, revert));
    expect(state.status).toBe('compensating');
    const seq = completedOrder.length + 1;
    expect(state.revert).toEqual({ reason: 'the customer changed their mind', by: 'ops', seq, at: T0 + (seq - 1) * 1_000 });
    expect(state.compensation).toEqual({ cause: 'revert-requested', reason: 'the customer changed their mind', by: 'ops', seq });
    // The run stays committed and its steps keep their outputs: the revert compensates what succeeded.
    expect(state.committed).toBe(true);
    expect(state.steps['coupon']).toMatchObject({ status: 'confirmed', forward: { output: 'C1' } });
  });

  it('ends a reverted run compensated once every step is compensated, keeping the revert on the state', () => {
    const state = reduce(RUN, journal(...completedDiamond, revert, ...compensated('d'), { type: 'compensation-skipped', step: 'c', why: 'no-compensation' },
      ...compensated('b'), ...compensated('a'), { type: 'compensated' }));
    expect(state.status).toBe('compensated');
    expect(state.revert?.by).toBe('ops');
    expect(Object.values(state.steps).map((s) => s.status)).toEqual(['compensated', 'compensated', 'compensation-skipped', 'compensated']);
  });

  it('refuses a revert of a run that has not completed, or that was reverted already', () => {
    expect(() => reduce(RUN, journal(started(diamond), revert))).toThrow(/revert-requested while the run is running/);
    expect(() => reduce(RUN, journal(...completedDiamond, revert, revert))).toThrow(/revert-requested for a run already reverted \(at seq 11\)/);
    const ended = [...completedDiamond, revert, ...compensated('d'), { type: 'compensation-skipped', step: 'c', why: 'no-compensation' } as const,
      ...compensated('b'), ...compensated('a'), { type: 'compensated' } as const];
    expect(() => reduce(RUN, journal(...ended, revert))).toThrow(/recorded after the run ended \(compensated\); it was already reverted at seq 11/);
    const failedRun = journal(started(diamond), { type: 'step-started', step: 'a', attempt: 1 }, { type: 'step-failed', step: 'a', attempt: 1, error: boom },
      ...compensated('a'), { type: 'compensated' }, revert);
    expect(() => reduce(RUN, failedRun)).toThrow(SagaJournalInconsistentError);
  });

  it('round-trips revert-requested through the store form, with and without who asked', () => {
    for (const event of [revert, { type: 'revert-requested', reason: 'r' } as const]) {
      const stored = { seq: 3, at: new Date(T0), ...(JSON.parse(JSON.stringify(encodeEvent(event))) as { type: string; data: never }) };
      expect(decodeRecord(RUN, stored).event).toEqual(event);
    }
    expect(() => decodeRecord(RUN, { seq: 3, at: T0, type: 'revert-requested', data: { by: 'ops' } })).toThrow(/revert-requested has no valid reason/);
  });
});

describe('plan: a reverted run', () => {
  it('compensates the last steps first and cancels a confirmed TCC step with its try\'s output', () => {
    const actions = plan(placeOrder, reduce(RUN, journal(...completedOrder, revert)), T0, { inFlight: new Set() });
    expect(actions).toMatchObject([{ type: 'compensate', step: 'book-delivery', handler: 'compensate', output: 'B', attempt: 1 }]);
    const next = plan(placeOrder, reduce(RUN, journal(...completedOrder, revert, ...compensated('book-delivery'))), T0, { inFlight: new Set() });
    expect(next).toMatchObject([
      { type: 'compensate', step: 'coupon', handler: 'cancel', output: 'C1', idempotencyKey: `${RUN}:coupon` },
      { type: 'compensate', step: 'reserve-stock', handler: 'compensate', output: 'R' },
    ]);
  });
});

describe('revertPlan: what a revert would do', () => {
  it('lists the calls wave by wave in reverse DAG order, independent branches in one wave', () => {
    const preview = revertPlan(placeOrder, reduce(RUN, journal(...completedOrder)));
    expect(preview).toMatchObject({ runId: RUN, saga: 'place-order', version: 1, skipped: [] });
    expect(preview.waves.map((wave) => wave.map((s) => `${s.kind} ${s.step}`))).toEqual([
      ['compensate book-delivery'],
      ['cancel coupon', 'compensate reserve-stock'],
      ['compensate create-order'],
    ]);
    expect(preview.waves[1]![0]).toEqual({
      step: 'coupon', kind: 'cancel', input: { orderId: '42' }, output: 'C1', outputs: { 'create-order': 'O' }, idempotencyKey: `${RUN}:coupon`,
    });
  });

  it('names the steps without a compensation, which a revert leaves as they are', () => {
    const preview = revertPlan(diamond, reduce(RUN, journal(...completedDiamond)));
    expect(preview.waves.map((wave) => wave.map((s) => s.step))).toEqual([['d'], ['b'], ['a']]);
    expect(preview.skipped).toEqual(['c']);
  });

  it('refuses a run that cannot be reverted, saying why', () => {
    const running = reduce(RUN, journal(started(diamond), ...ran('a')));
    expect(() => revertPlan(diamond, running)).toThrow(RunStatusError);
    expect(() => revertPlan(diamond, running)).toThrow(/only a completed run can be reverted; cancel a running run instead/);
    const reverting = reduce(RUN, journal(...completedDiamond, revert));
    expect(() => revertPlan(diamond, reverting)).toThrow(/it was already reverted \(seq 11, by ops: the customer changed their mind\)/);
  });

  it('refuses a run of another saga with SagaJournalInconsistentError', () => {
    expect(() => revertPlan(placeOrder, reduce(RUN, journal(...completedDiamond)))).toThrow(SagaJournalInconsistentError);
  });
});
