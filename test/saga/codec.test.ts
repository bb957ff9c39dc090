import { describe, it, expect } from 'vitest';
import {
  SagaDefinitionError,
  SagaJournalInconsistentError,
  decodeRecord,
  encodeEvent,
  serializeError,
  type SagaEvent,
} from '../../src/saga/index.js';
import { RUN, T0, boom } from './fixtures.js';

const TRACE = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;

const every: SagaEvent[] = [
  { type: 'started', format: 1, saga: 'p', version: 2, input: { orderId: '42' }, deadline: T0 },
  { type: 'started', format: 1, saga: 'p', version: 2, input: null, trace: TRACE },
  { type: 'step-started', step: 'a', attempt: 1 },
  { type: 'step-started', step: 'a', attempt: 2, trace: TRACE },
  { type: 'step-succeeded', step: 'a', attempt: 1, output: { id: 7 } },
  { type: 'step-failed', step: 'a', attempt: 1, error: boom, wakeAt: T0 },
  { type: 'confirm-started', step: 'a', attempt: 1 },
  { type: 'confirm-succeeded', step: 'a', attempt: 1 },
  { type: 'confirm-failed', step: 'a', attempt: 2, error: { ...boom, code: 'E_X' } },
  { type: 'compensation-started', step: 'a', attempt: 1 },
  { type: 'compensation-succeeded', step: 'a', attempt: 1 },
  { type: 'compensation-failed', step: 'a', attempt: 1, error: boom },
  { type: 'compensation-skipped', step: 'a', why: 'empty-cancel' },
  { type: 'cancel-requested', reason: 'customer left' },
  { type: 'deadline-passed' },
  { type: 'completed' },
  { type: 'compensated' },
  { type: 'stuck', step: 'a', phase: 'compensation', error: boom, reason: 'r' },
  { type: 'resolved', step: 'a', action: 'retry', reason: 'r', by: 'ops' },
];

/** What a store gives back for `event`: its encoded form, through JSON text. */
const stored = (event: SagaEvent, seq = 5) => ({ seq, at: new Date(T0), ...(JSON.parse(JSON.stringify(encodeEvent(event))) as object) }) as Parameters<typeof decodeRecord>[1];

describe('the journal codec', () => {
  it('round-trips every event type through the store form', () => {
    for (const event of every) expect(decodeRecord(RUN, stored(event)).event).toEqual(event);
    expect(decodeRecord(RUN, stored(every[0]!, 1))).toEqual({ seq: 1, at: T0, event: every[0] });
  });

  it('stores an event without fields as no data, and leaves undefined optional fields out', () => {
    expect(encodeEvent({ type: 'completed' })).toEqual({ type: 'completed', data: undefined });
    expect(encodeEvent({ type: 'step-failed', step: 'a', attempt: 1, error: boom, wakeAt: undefined }).data).toEqual({ step: 'a', attempt: 1, error: boom });
  });

  it('accepts the commit time as a Date or epoch milliseconds, and drops fields it does not know', () => {
    expect(decodeRecord(RUN, { seq: 1, at: T0, type: 'completed', data: { extra: true } })).toEqual({ seq: 1, at: T0, event: { type: 'completed' } });
  });

  it('reads a journal written before trace contexts were kept: started and step-started without trace', () => {
    const old = decodeRecord(RUN, { seq: 1, at: T0, type: 'started', data: { format: 1, saga: 'p', version: 1, input: null } });
    expect(old.event).toEqual({ type: 'started', format: 1, saga: 'p', version: 1, input: null });
    expect(decodeRecord(RUN, { seq: 2, at: T0, type: 'step-started', data: { step: 'a', attempt: 1 } }).event).not.toHaveProperty('trace');
  });

  const bad: [string, Parameters<typeof decodeRecord>[1], string][] = [
    ['an unknown type', { seq: 3, at: T0, type: 'step-paused', data: undefined }, 'record type "step-paused" is not a saga event'],
    ['data that is not an object', { seq: 3, at: T0, type: 'step-started', data: [1] }, 'the data of step-started is not an object'],
    ['a missing step', { seq: 3, at: T0, type: 'step-started', data: { attempt: 1 } }, 'step-started has no valid step (a string)'],
    ['a trace that is not a string', { seq: 3, at: T0, type: 'step-started', data: { step: 'a', attempt: 1, trace: 7 } }, 'step-started has no valid trace (a string)'],
    ['an attempt of 0', { seq: 3, at: T0, type: 'step-started', data: { step: 'a', attempt: 0 } }, 'step-started has no valid attempt (an integer >= 1)'],
    ['an error without a message', { seq: 3, at: T0, type: 'step-failed', data: { step: 'a', attempt: 1, error: { name: 'E' } } }, 'step-failed has no valid error (an object with name and message)'],
    ['a wakeAt that is not a time', { seq: 3, at: T0, type: 'step-failed', data: { step: 'a', attempt: 1, error: { name: 'Error', message: 'boom' }, wakeAt: 'soon' } }, 'step-failed has no valid wakeAt (epoch milliseconds)'],
    ['an unknown skip reason', { seq: 3, at: T0, type: 'compensation-skipped', data: { step: 'a', why: 'lazy' } }, 'compensation-skipped has no valid why (no-compensation or empty-cancel)'],
    ['an unknown resolution', { seq: 3, at: T0, type: 'resolved', data: { step: 'a', action: 'ignore', reason: 'r' } }, 'resolved has no valid action (compensated, confirmed, retry)'],
  ];
  for (const [what, record, reason] of bad) {
    it(`reports a record with ${what} as inconsistent, naming its seq`, () => {
      expect(() => decodeRecord(RUN, record)).toThrow(SagaJournalInconsistentError);
      expect(() => decodeRecord(RUN, record)).toThrow(`inconsistent at seq 3: ${reason}`);
    });
  }
});

describe('serializeError', () => {
  it('keeps name, message, stack, a string code, and the details of a Rewind error', () => {
    const error = new SagaDefinitionError({ saga: 'p', path: 'saga "p" version', expected: 'an integer >= 1', got: 0 });
    const serialized = serializeError(error);
    expect(serialized).toMatchObject({ name: 'SagaDefinitionError', code: 'SAGA_DEFINITION', message: error.message, details: { saga: 'p' } });
    expect(serialized.stack).toContain('SagaDefinitionError');
    const coded = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    expect(serializeError(coded)).toMatchObject({ name: 'Error', message: 'reset', code: 'ECONNRESET' });
  });

  it('describes a thrown value that is not an Error', () => {
    expect(serializeError('nope')).toEqual({ name: 'Error', message: 'A non-Error value was thrown: "nope" (string)' });
    expect(serializeError({ status: 503 })).toEqual({ name: 'Error', message: 'A non-Error value was thrown: {"status":503} (object)' });
  });
});
