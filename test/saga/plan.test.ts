import { describe, it, expect } from 'vitest';
import {
  SagaJournalInconsistentError,
  plan,
  reduce,
  saga,
  type SagaAction,
  type SagaDefinition,
  type SagaEvent,
} from '../../src/saga/index.js';
import { RUN, T0, boom, diamond, journal, placeOrder, ran, started } from './fixtures.js';

const NOW = T0 + 100_000;

/** The plan for the run whose journal is `events`, at `now`, with `inFlight` executing. */
function planOf(definition: SagaDefinition, events: SagaEvent[], options: { now?: number; inFlight?: string[] } = {}): SagaAction[] {
  return plan(definition, reduce(RUN, journal(...events)), options.now ?? NOW, { inFlight: new Set(options.inFlight ?? []) });
}

/** A compact view of a plan: `start-step a#1`, `compensate b#2`, `record completed`, `wait 123`. */
function brief(actions: SagaAction[]): string[] {
  return actions.map((a) => {
    switch (a.type) {
      case 'start-step':
      case 'confirm':
      case 'compensate':
        return `${a.type} ${a.step}#${a.attempt}`;
      case 'record':
        return `record ${a.event.type}${'step' in a.event ? ` ${a.event.step}` : ''}`;
      case 'abort':
        return `abort ${a.steps.join(',')}`;
      case 'wait':
        return `wait ${a.until - NOW}`;
    }
  });
}

const d0 = started(diamond);
const failed = (step: string, attempt: number, wakeAt?: number): SagaEvent => ({
  type: 'step-failed', step, attempt, error: boom, ...(wakeAt === undefined ? {} : { wakeAt }),
});
const compensatedStep = (step: string): SagaEvent[] => [
  { type: 'compensation-started', step, attempt: 1 },
  { type: 'compensation-succeeded', step, attempt: 1 },
];
const cancel: SagaEvent = { type: 'cancel-requested', reason: 'customer left' };

describe('plan: forward', () => {
  it('starts the first step of a sequential saga, and the next only after it succeeded', () => {
    const chain = saga('chain').step('one', { run: () => Promise.resolve(1) }).step('two', { run: () => Promise.resolve(2) });
    expect(brief(planOf(chain, [started(chain)]))).toEqual(['start-step one#1']);
    expect(brief(planOf(chain, [started(chain), ran('one')[0]!], { inFlight: ['one'] }))).toEqual([]);
    expect(brief(planOf(chain, [started(chain), ...ran('one')]))).toEqual(['start-step two#1']);
  });

  it('starts independent steps concurrently and a join only after all its dependencies succeeded', () => {
    expect(brief(planOf(diamond, [d0, ...ran('a', 'A')]))).toEqual(['start-step b#1', 'start-step c#1']);
    expect(brief(planOf(diamond, [d0, ...ran('a'), ...ran('b')]))).toEqual(['start-step c#1']);
    expect(brief(planOf(diamond, [d0, ...ran('a'), ...ran('b'), ...ran('c')]))).toEqual(['start-step d#1']);
  });

  it('gives a step its attempt, idempotency key, upstream outputs only, timeout and retry budget', () => {
    const events = [started(placeOrder), ...ran('create-order', 'O'), ...ran('reserve-stock', 'R'), ...ran('coupon', 'C')];
    const [action] = planOf(placeOrder, events);
    expect(action).toEqual({
      type: 'start-step', handler: 'run', step: 'book-delivery', attempt: 1, idempotencyKey: 'order-42:book-delivery',
      outputs: { 'create-order': 'O', 'reserve-stock': 'R', coupon: 'C' }, timeoutMs: undefined,
      retry: { policy: placeOrder.getStep('book-delivery')!.retry, attempt: 1 },
    });
    const [reserve] = planOf(placeOrder, [started(placeOrder), ...ran('create-order', 'O')]);
    expect(reserve).toMatchObject({ step: 'reserve-stock', outputs: { 'create-order': 'O' }, timeoutMs: 2_000 });
    const coupon = planOf(placeOrder, [started(placeOrder), ...ran('create-order', 'O')])[1];
    expect(coupon).toMatchObject({ step: 'coupon', handler: 'try' });
  });

  it('retries a failed step at its wakeAt, and says until when to wait', () => {
    const events = [d0, ran('a')[0]!, failed('a', 1, NOW + 500)];
    expect(brief(planOf(diamond, events))).toEqual(['wait 500']);
    expect(brief(planOf(diamond, events, { now: NOW + 500 }))).toEqual(['start-step a#2']);
    expect(planOf(diamond, events, { now: NOW + 500 })[0]).toMatchObject({ idempotencyKey: 'order-42:a', retry: { attempt: 2 } });
  });

  it('waits for the earliest of the retries and the deadline', () => {
    const events = [started(diamond, NOW + 800), ...ran('a'), ran('b')[0]!, failed('b', 1, NOW + 900), ran('c')[0]!];
    expect(brief(planOf(diamond, events, { inFlight: ['c'] }))).toEqual(['wait 800']);
  });

  it('re-runs a step interrupted by a crash: records the attempt as failed, due now, then the next attempt with the same key', () => {
    const events = [d0, ran('a')[0]!];
    const [interrupted] = planOf(diamond, events);
    expect(interrupted).toMatchObject({ type: 'record', event: { type: 'step-failed', step: 'a', attempt: 1, wakeAt: NOW, error: { name: 'InterruptedError' } } });
    const after = [...events, (interrupted as Extract<SagaAction, { type: 'record' }>).event];
    expect(planOf(diamond, after)[0]).toMatchObject({ type: 'start-step', step: 'a', attempt: 2, idempotencyKey: 'order-42:a' });
  });

  it('records an interrupted last attempt as a final failure, which turns the run to compensating', () => {
    const events = [d0, ran('a')[0]!, failed('a', 1, NOW), { type: 'step-started', step: 'a', attempt: 2 } satisfies SagaEvent];
    const [action] = planOf(diamond, events);
    expect(action).toMatchObject({ type: 'record', event: { type: 'step-failed', attempt: 2 } });
    expect((action as Extract<SagaAction, { type: 'record' }>).event).not.toHaveProperty('wakeAt');
  });

  it('completes a run once every step succeeded', () => {
    expect(brief(planOf(diamond, [d0, ...ran('a'), ...ran('b'), ...ran('c'), ...ran('d')]))).toEqual(['record completed']);
  });

  it('records a passed deadline before starting anything, but completes a run whose steps all succeeded', () => {
    const late = started(diamond, NOW);
    expect(brief(planOf(diamond, [late, ...ran('a')]))).toEqual(['record deadline-passed']);
    expect(brief(planOf(diamond, [late, ...ran('a'), ...ran('b'), ...ran('c'), ...ran('d')]))).toEqual(['record completed']);
  });
});

describe('plan: compensation', () => {
  const allRan = [d0, ...ran('a'), ...ran('b'), ...ran('c'), ran('d')[0]!, failed('d', 1)];

  it('compensates every started step in reverse DAG order: each only after the started steps that run after it', () => {
    expect(brief(planOf(diamond, allRan))).toEqual(['compensate d#1']);
    const dDone = [...allRan, ...compensatedStep('d')];
    expect(brief(planOf(diamond, dDone))).toEqual(['record compensation-skipped c']);
    const cSkipped = [...dDone, { type: 'compensation-skipped', step: 'c', why: 'no-compensation' } satisfies SagaEvent];
    expect(brief(planOf(diamond, cSkipped))).toEqual(['compensate b#1']);
    expect(brief(planOf(diamond, [...cSkipped, ...compensatedStep('b')]))).toEqual(['compensate a#1']);
    expect(brief(planOf(diamond, [...cSkipped, ...compensatedStep('b'), ...compensatedStep('a')]))).toEqual(['record compensated']);
  });

  it('compensates independent branches concurrently', () => {
    const fan = saga('fan')
      .step('root', { run: () => Promise.resolve(0), compensate: () => Promise.resolve(undefined) })
      .step('left', { after: ['root'], run: () => Promise.resolve(1), compensate: () => Promise.resolve(undefined) })
      .step('right', { after: ['root'], run: () => Promise.resolve(2), compensate: () => Promise.resolve(undefined) });
    const events = [started(fan), ...ran('root'), ...ran('left'), ...ran('right'), cancel];
    expect(brief(planOf(fan, events))).toEqual(['compensate right#1', 'compensate left#1']);
  });

  it('never compensates a step that never started, and passes the recorded output', () => {
    const events = [d0, ...ran('a', 'A'), ran('b')[0]!, failed('b', 1)];
    const actions = planOf(diamond, events);
    expect(brief(actions)).toEqual(['compensate b#1']);
    expect(actions[0]).toMatchObject({ handler: 'compensate', output: undefined, idempotencyKey: 'order-42:b', outputs: { a: 'A' } });
    const aLast = planOf(diamond, [...events, ...compensatedStep('b')]);
    expect(aLast[0]).toMatchObject({ step: 'a', output: 'A' });
  });

  it('aborts running steps, and compensates them only once they recorded an outcome', () => {
    const events = [d0, ...ran('a'), ran('b')[0]!, ran('c')[0]!, cancel];
    expect(brief(planOf(diamond, events, { inFlight: ['b', 'c'] }))).toEqual(['abort b,c']);
    const bDone = [...events, { type: 'step-succeeded', step: 'b', attempt: 1 } satisfies SagaEvent];
    expect(brief(planOf(diamond, bDone, { inFlight: ['c'] }))).toEqual(['abort c', 'compensate b#1']);
  });

  it('compensates a step with no recorded outcome after a crash, as one whose effect may exist', () => {
    const events = [d0, ...ran('a'), ran('b')[0]!, cancel];
    const [interrupted] = planOf(diamond, events);
    expect(interrupted).toMatchObject({ type: 'record', event: { type: 'step-failed', step: 'b', attempt: 1, error: { name: 'InterruptedError' } } });
    expect((interrupted as Extract<SagaAction, { type: 'record' }>).event).not.toHaveProperty('wakeAt');
    const after = [...events, (interrupted as Extract<SagaAction, { type: 'record' }>).event];
    expect(planOf(diamond, after)).toMatchObject([{ type: 'compensate', step: 'b', attempt: 1, output: undefined }]);
  });

  it('compensates when cancel is requested, and starts no step once the run compensates', () => {
    const events = [d0, ...ran('a'), cancel];
    expect(brief(planOf(diamond, events))).toEqual(['compensate a#1']);
  });

  it('retries a compensation with backoff and marks the run stuck past its policy', () => {
    const events = [d0, ...ran('a'), ...ran('b'), cancel, { type: 'compensation-started', step: 'b', attempt: 1 } satisfies SagaEvent,
      { type: 'compensation-failed', step: 'b', attempt: 1, error: boom, wakeAt: NOW + 1_000 } satisfies SagaEvent];
    expect(brief(planOf(diamond, events))).toEqual(['wait 1000']);
    expect(planOf(diamond, events, { now: NOW + 1_000 })).toMatchObject([{ type: 'compensate', step: 'b', attempt: 2, retry: { attempt: 2 } }]);
    const exhausted = [...events, { type: 'compensation-started', step: 'b', attempt: 2 } satisfies SagaEvent,
      { type: 'compensation-failed', step: 'b', attempt: 2, error: boom } satisfies SagaEvent];
    expect(planOf(diamond, exhausted)).toMatchObject([{ type: 'record', event: { type: 'stuck', step: 'b', phase: 'compensation', error: boom } }]);
  });

  it('plans nothing for a stuck run, and goes on after a resolution', () => {
    const stuck = [d0, ...ran('a'), ...ran('b'), cancel, { type: 'compensation-started', step: 'b', attempt: 1 } satisfies SagaEvent,
      { type: 'compensation-failed', step: 'b', attempt: 1, error: boom } satisfies SagaEvent,
      { type: 'stuck', step: 'b', phase: 'compensation', error: boom, reason: 'r' } satisfies SagaEvent];
    expect(planOf(diamond, stuck)).toEqual([]);
    const byHand = [...stuck, { type: 'resolved', step: 'b', action: 'compensated', reason: 'done by hand' } satisfies SagaEvent];
    expect(brief(planOf(diamond, byHand))).toEqual(['compensate a#1']);
    const retry = [...stuck, { type: 'resolved', step: 'b', action: 'retry', reason: 'service is back' } satisfies SagaEvent];
    expect(planOf(diamond, retry)).toMatchObject([{ type: 'compensate', step: 'b', attempt: 2, retry: { attempt: 1 } }]);
  });
});

describe('plan: TCC', () => {
  const allTried = [started(placeOrder), ...ran('create-order'), ...ran('reserve-stock'), ...ran('coupon', 'C1'), ...ran('book-delivery')];

  it('confirms every TCC step once all steps succeeded, then completes', () => {
    expect(planOf(placeOrder, allTried)).toMatchObject([{ type: 'confirm', step: 'coupon', attempt: 1, output: 'C1', idempotencyKey: 'order-42:coupon' }]);
    const confirmed = [...allTried, { type: 'confirm-started', step: 'coupon', attempt: 1 } satisfies SagaEvent,
      { type: 'confirm-succeeded', step: 'coupon', attempt: 1 } satisfies SagaEvent];
    expect(brief(planOf(placeOrder, confirmed))).toEqual(['record completed']);
  });

  it('marks the run stuck when a confirmation fails past its retries, and completes once resolved', () => {
    const failedConfirm = [...allTried, { type: 'confirm-started', step: 'coupon', attempt: 1 } satisfies SagaEvent,
      { type: 'confirm-failed', step: 'coupon', attempt: 1, error: boom } satisfies SagaEvent];
    expect(planOf(placeOrder, failedConfirm)).toMatchObject([{ type: 'record', event: { type: 'stuck', step: 'coupon', phase: 'confirm' } }]);
    const resolved = [...failedConfirm, { type: 'stuck', step: 'coupon', phase: 'confirm', error: boom, reason: 'r' } satisfies SagaEvent,
      { type: 'resolved', step: 'coupon', action: 'confirmed', reason: 'used by hand' } satisfies SagaEvent];
    expect(brief(planOf(placeOrder, resolved))).toEqual(['record completed']);
  });

  it('gives a TCC step whose try never started an empty cancel, without a call', () => {
    const events = [started(placeOrder), ...ran('create-order'), cancel];
    expect(brief(planOf(placeOrder, events))).toEqual(['record compensation-skipped coupon']);
    expect(planOf(placeOrder, events)).toMatchObject([{ event: { why: 'empty-cancel' } }]);
  });

  it('never starts a try once the run compensates (anti-hanging), and cancels a try that failed with no output', () => {
    const events = [started(placeOrder), ...ran('create-order'), ran('coupon')[0]!, failed('coupon', 1, NOW), cancel];
    const actions = planOf(placeOrder, events, { now: NOW + 10_000 });
    expect(actions).toEqual([expect.objectContaining({ type: 'compensate', step: 'coupon', handler: 'cancel', output: undefined })]);
    expect(() => reduce(RUN, journal(...events, { type: 'step-started', step: 'coupon', attempt: 2 }))).toThrow(SagaJournalInconsistentError);
  });
});

describe('plan: ended runs and inconsistent journals', () => {
  it('treats steps named like Object.prototype members as any other step', () => {
    const odd = saga('odd').step('constructor', { run: () => Promise.resolve(1) }).step('toString', { run: () => Promise.resolve(2) });
    expect(brief(planOf(odd, [started(odd)]))).toEqual(['start-step constructor#1']);
    expect(brief(planOf(odd, [started(odd), ...ran('constructor')]))).toEqual(['start-step toString#1']);
  });


  it('plans nothing for a completed or compensated run', () => {
    expect(planOf(diamond, [d0, ...ran('a'), ...ran('b'), ...ran('c'), ...ran('d'), { type: 'completed' }])).toEqual([]);
    expect(planOf(diamond, [d0, cancel, { type: 'compensated' }])).toEqual([]);
  });

  const cases: [string, SagaEvent[], number, string][] = [
    ['a run of another saga', [started(placeOrder)], 1, 'the run is of saga "place-order" version 1, not "diamond" version 1'],
    ['an unknown step', [d0, ...ran('zz')], 2, 'step "zz" is not a step of saga "diamond" version 1'],
    ['a step started before its dependencies succeeded', [d0, ...ran('b')], 2, 'step "b" started before step "a", which it runs after, succeeded'],
    ['a confirmation of a plain step', [d0, ...ran('a'), ...ran('b'), ...ran('c'), ...ran('d'), { type: 'confirm-started', step: 'a', attempt: 1 }], 10, 'it is not a TCC step'],
    ['a compensation out of reverse DAG order', [d0, ...ran('a'), ...ran('b'), cancel, { type: 'compensation-started', step: 'a', attempt: 1 }], 7, 'the compensation of step "a" began before that of step "b"'],
    ['a skipped compensation of a step that has one', [d0, ...ran('a'), cancel, { type: 'compensation-skipped', step: 'a', why: 'no-compensation' }], 5, 'was skipped, but the step has one'],
  ];
  for (const [what, events, seq, reason] of cases) {
    it(`reports ${what} as an inconsistent journal`, () => {
      const act = () => planOf(diamond, events);
      expect(act).toThrow(SagaJournalInconsistentError);
      expect(act).toThrow(expect.objectContaining({ seq, reason: expect.stringContaining(reason) as unknown }));
    });
  }
});
