import { describe, it, expect } from 'vitest';
import { apply, reduce, SagaJournalInconsistentError, type SagaEvent } from '../../src/saga/index.js';
import { RUN, T0, boom, diamond, journal, placeOrder, ran, started } from './fixtures.js';

const begin = started(diamond);
const failed = (step: string, attempt: number, wakeAt?: number): SagaEvent => ({
  type: 'step-failed', step, attempt, error: boom, ...(wakeAt === undefined ? {} : { wakeAt }),
});

describe('reduce: run state from a journal', () => {
  it('starts a run as running, with its saga, version, input and deadline', () => {
    const state = reduce(RUN, journal(started(placeOrder, T0 + 60_000)));
    expect(state).toMatchObject({
      runId: RUN, status: 'running', saga: 'place-order', version: 1, input: { orderId: '42' },
      deadline: T0 + 60_000, committed: false, steps: {}, lastSeq: 1, startedAt: T0, updatedAt: T0,
    });
  });

  it('records each attempt, its failures and wakeAt, and the output of the attempt that succeeded', () => {
    const state = reduce(RUN, journal(begin,
      { type: 'step-started', step: 'a', attempt: 1 }, failed('a', 1, T0 + 5_000),
      { type: 'step-started', step: 'a', attempt: 2 }, { type: 'step-succeeded', step: 'a', attempt: 2, output: 'A' },
      { type: 'step-started', step: 'b', attempt: 1 }, failed('b', 1, T0 + 9_000)));
    expect(state.steps['a']).toMatchObject({ status: 'succeeded', forward: { status: 'succeeded', attempt: 2, output: 'A', wakeAt: undefined } });
    expect(state.steps['a']?.forward?.failures).toEqual([{ attempt: 1, seq: 3, error: boom }]);
    expect(state.steps['b']).toMatchObject({ status: 'retrying', forward: { attempt: 1, wakeAt: T0 + 9_000 } });
    expect(state.status).toBe('running');
  });

  it('turns the run compensating when a step fails without a wakeAt, and cancels the retries other steps awaited', () => {
    const state = reduce(RUN, journal(begin, ...ran('a', 'A'),
      { type: 'step-started', step: 'b', attempt: 1 }, { type: 'step-started', step: 'c', attempt: 1 },
      failed('b', 1, T0 + 9_000), failed('c', 1)));
    expect(state.status).toBe('compensating');
    expect(state.compensation).toEqual({ cause: 'step-failed', step: 'c', seq: 7 });
    expect(state.steps['b']?.forward).toMatchObject({ status: 'failed', wakeAt: undefined });
  });

  it('turns a run compensating on a cancel before it commits, and only records a cancel after it commits', () => {
    const early = reduce(RUN, journal(begin, { type: 'cancel-requested', reason: 'customer left' }));
    expect(early.status).toBe('compensating');
    expect(early.compensation).toEqual({ cause: 'cancel-requested', reason: 'customer left', seq: 2 });
    const late = reduce(RUN, journal(started(placeOrder), ...ran('create-order'), ...ran('reserve-stock'), ...ran('coupon'),
      ...ran('book-delivery'), { type: 'confirm-started', step: 'coupon', attempt: 1 }, { type: 'cancel-requested', reason: 'too late' }));
    expect(late).toMatchObject({ status: 'running', committed: true, cancel: { reason: 'too late', seq: 11 }, compensation: undefined });
  });

  it('turns a run compensating when its deadline passed', () => {
    const state = reduce(RUN, journal(started(diamond, T0), { type: 'deadline-passed' }));
    expect(state).toMatchObject({ status: 'compensating', deadlinePassed: true, compensation: { cause: 'deadline-passed', seq: 2 } });
  });

  it('ends a run as completed or compensated', () => {
    expect(reduce(RUN, journal(begin, ...ran('a'), ...ran('b'), ...ran('c'), ...ran('d'), { type: 'completed' })).status).toBe('completed');
    const compensated = reduce(RUN, journal(begin, { type: 'step-started', step: 'a', attempt: 1 }, failed('a', 1),
      { type: 'compensation-started', step: 'a', attempt: 1 }, { type: 'compensation-succeeded', step: 'a', attempt: 1 },
      { type: 'compensated' }));
    expect(compensated.status).toBe('compensated');
    expect(compensated.steps['a']?.status).toBe('compensated');
  });

  it('records an empty cancel for a TCC try that never started, and skipped compensations', () => {
    const state = reduce(RUN, journal(started(placeOrder), { type: 'cancel-requested', reason: 'x' },
      { type: 'compensation-skipped', step: 'coupon', why: 'empty-cancel' }));
    expect(state.steps['coupon']).toMatchObject({ status: 'compensation-skipped', forward: undefined, compensation: { status: 'skipped', skipped: 'empty-cancel' } });
  });

  it('gets stuck, then goes on compensating after a resolution by hand', () => {
    const stuck = [begin, ...ran('a'), { type: 'cancel-requested', reason: 'x' },
      { type: 'compensation-started', step: 'a', attempt: 1 }, { type: 'compensation-failed', step: 'a', attempt: 1, error: boom },
      { type: 'stuck', step: 'a', phase: 'compensation', error: boom, reason: 'gave up' }] satisfies SagaEvent[];
    expect(reduce(RUN, journal(...stuck))).toMatchObject({ status: 'stuck', stuck: { step: 'a', phase: 'compensation', seq: 7 } });
    const byHand = reduce(RUN, journal(...stuck, { type: 'resolved', step: 'a', action: 'compensated', reason: 'refunded', by: 'ana' }));
    expect(byHand).toMatchObject({ status: 'compensating', stuck: undefined });
    expect(byHand.steps['a']?.compensation).toMatchObject({ status: 'succeeded', resolution: { action: 'compensated', reason: 'refunded', by: 'ana', seq: 8 } });
  });

  it('grants a fresh retry budget, due at once, when a stuck step is resolved with retry', () => {
    const state = reduce(RUN, journal(begin, ...ran('a'), { type: 'cancel-requested', reason: 'x' },
      { type: 'compensation-started', step: 'a', attempt: 1 }, { type: 'compensation-failed', step: 'a', attempt: 1, error: boom },
      { type: 'stuck', step: 'a', phase: 'compensation', error: boom, reason: 'gave up' },
      { type: 'resolved', step: 'a', action: 'retry', reason: 'service is back' },
      { type: 'compensation-started', step: 'a', attempt: 2 }));
    expect(state.status).toBe('compensating');
    expect(state.steps['a']?.compensation).toMatchObject({ status: 'running', attempt: 2, budgetStart: 2 });
  });

  it('keeps a timeline of every record with its seq and time', () => {
    const records = journal(begin, ...ran('a'));
    const state = reduce(RUN, records);
    expect(state.timeline).toEqual(records);
    expect(state.timeline.map((r) => [r.seq, r.at])).toEqual([[1, T0], [2, T0 + 1_000], [3, T0 + 2_000]]);
    expect(state.updatedAt).toBe(T0 + 2_000);
  });

  it('gives the same state record by record with apply as all at once with reduce', () => {
    const records = journal(begin, ...ran('a'), { type: 'step-started', step: 'b', attempt: 1 }, { type: 'cancel-requested', reason: 'x' });
    const [first, ...rest] = records;
    expect(rest.reduce(apply, reduce(RUN, [first!]))).toEqual(reduce(RUN, records));
  });
});

describe('reduce: inconsistent journals are reported, never guessed at', () => {
  const compensating = [begin, ...ran('a'), { type: 'cancel-requested', reason: 'x' }] satisfies SagaEvent[];
  const cases: [string, () => unknown, number, string][] = [
    ['an empty journal', () => reduce(RUN, []), 1, 'the journal is empty'],
    ['a journal not beginning with started', () => reduce(RUN, journal(...ran('a'))), 1, 'begins with step-started, not started'],
    ['a journal beginning at seq 2', () => reduce(RUN, [{ seq: 2, at: T0, event: begin }]), 2, 'begins at seq 2, not 1'],
    ['a gap in seq', () => reduce(RUN, [...journal(begin), { seq: 3, at: T0, event: ran('a')[0]! }]), 3, 'expected seq 2 after 1 (a gap)'],
    ['a duplicate seq', () => reduce(RUN, [...journal(begin, ...ran('a')), { seq: 3, at: T0, event: { type: 'completed' } }]), 3, 'expected seq 4 after 3 (a duplicate)'],
    ['a newer journal format', () => reduce(RUN, journal({ ...begin, format: 2 } as unknown as SagaEvent)), 1, 'format 2'],
    ['a second started', () => reduce(RUN, journal(begin, begin)), 2, 'a second started record'],
    ['an outcome for a step never started', () => reduce(RUN, journal(begin, { type: 'step-succeeded', step: 'a', attempt: 1 })), 2, 'step-succeeded for step "a": attempt 1 recorded an outcome, but it never started'],
    ['an outcome for another attempt', () => reduce(RUN, journal(begin, ran('a')[0]!, { type: 'step-succeeded', step: 'a', attempt: 2 })), 3, 'attempt 1 is the one running'],
    ['a first attempt numbered 2', () => reduce(RUN, journal(begin, { type: 'step-started', step: 'a', attempt: 2 })), 2, 'no attempt 1 was recorded'],
    ['a retry without a failure that asked for it', () => reduce(RUN, journal(begin, ran('a')[0]!, { type: 'step-started', step: 'a', attempt: 2 })), 3, 'while the last attempt (1) is running'],
    ['a step started after compensation began', () => reduce(RUN, journal(...compensating, ran('b')[0]!)), 5, 'a step never starts once the run compensates (it began at seq 4)'],
    ['a compensation while the run is running', () => reduce(RUN, journal(begin, ...ran('a'), { type: 'compensation-started', step: 'a', attempt: 1 })), 4, 'compensation-started for step "a" while the run is running'],
    ['a compensation of a step never started', () => reduce(RUN, journal(...compensating, { type: 'compensation-started', step: 'b', attempt: 1 })), 5, 'the step never started'],
    ['a compensation of a step still running', () => reduce(RUN, journal(begin, ran('a')[0]!, { type: 'cancel-requested', reason: 'x' }, { type: 'compensation-started', step: 'a', attempt: 1 })), 4, 'the step is still running'],
    ['an empty cancel for a try that started', () => reduce(RUN, journal(...compensating, { type: 'compensation-skipped', step: 'a', why: 'empty-cancel' })), 5, 'an empty cancel is for a try that never started'],
    ['a record after the run ended', () => reduce(RUN, journal(begin, { type: 'cancel-requested', reason: 'x' }, { type: 'compensated' }, { type: 'cancel-requested', reason: 'y' })), 4, 'cancel-requested recorded after the run ended (compensated)'],
    ['completed while a step is running', () => reduce(RUN, journal(begin, ran('a')[0]!, { type: 'completed' })), 3, 'completed while step "a" is running'],
    ['compensated while a step is not compensated', () => reduce(RUN, journal(...compensating, { type: 'compensated' })), 5, 'compensated while step "a" is succeeded'],
    ['stuck without a failed compensation', () => reduce(RUN, journal(...compensating, { type: 'stuck', step: 'a', phase: 'compensation', error: boom, reason: 'r' })), 5, 'its compensation has not failed for good'],
    ['a resolution of a run that is not stuck', () => reduce(RUN, journal(begin, { type: 'resolved', step: 'a', action: 'retry', reason: 'r' })), 2, 'while the run is running, not stuck'],
    ['a confirmation before the try succeeded', () => reduce(RUN, journal(begin, { type: 'confirm-started', step: 'a', attempt: 1 })), 2, "the step's try has not succeeded"],
    ['a deadline for a run without one', () => reduce(RUN, journal(begin, { type: 'deadline-passed' })), 2, 'a run without a deadline'],
    ['a deadline recorded twice', () => reduce(RUN, journal(started(diamond, T0), { type: 'deadline-passed' }, { type: 'deadline-passed' })), 3, 'recorded twice'],
  ];
  for (const [what, act, seq, reason] of cases) {
    it(`reports ${what}, naming the run and seq`, () => {
      expect(act).toThrow(SagaJournalInconsistentError);
      try {
        act();
      } catch (error) {
        const e = error as SagaJournalInconsistentError;
        expect({ runId: e.runId, seq: e.seq }).toEqual({ runId: RUN, seq });
        expect(e.reason).toContain(reason);
        expect(e.code).toBe('SAGA_JOURNAL_INCONSISTENT');
      }
    });
  }

  it('says what happened, to which run and what to do', () => {
    expect(() => reduce(RUN, journal(begin, { type: 'step-succeeded', step: 'a', attempt: 1 }))).toThrow(
      'The journal of saga run "order-42" is inconsistent at seq 2: step-succeeded for step "a": attempt 1 recorded an outcome, but it never started. The run cannot continue on its own; inspect its journal and resolve it by hand.',
    );
  });
});
