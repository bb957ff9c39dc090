/**
 * The pure decisions of a worker: what an append does to its run's work entry (run-work.ts)
 * and how long a lease is trusted (lease-table.ts).
 */
import { describe, expect, it } from 'vitest';
import { reduce, type JournalRecord, type RunState, type SagaEvent } from '../../../src/saga/index.js';
import { LeaseTable, trustedUntil } from '../../../src/saga/worker/lease-table.js';
import { PARKED_UNTIL, workOf } from '../../../src/saga/worker/run-work.js';

const started: SagaEvent = { type: 'started', format: 1, saga: 's', version: 1, input: null };
const error = { name: 'Error', message: 'no' };

function state(...events: SagaEvent[]): RunState {
  const records: JournalRecord[] = [started, ...events].map((event, i) => ({ seq: i + 1, at: 0, event }));
  return reduce('r', records);
}

const TTL = 1_000;
const NOW = 50_000;

describe('worker: what an append does to its run\'s work', () => {
  const running = state({ type: 'step-started', step: 'a', attempt: 1 });
  const waiting = state({ type: 'step-started', step: 'a', attempt: 1 }, { type: 'step-failed', step: 'a', attempt: 1, error, wakeAt: NOW + 5 * TTL });

  it('opens a new run\'s work claimed by the starting worker', () => {
    expect(workOf({ opening: true, before: running, after: running, wait: undefined }, 'w1', TTL, NOW))
      .toEqual({ work: { state: 'open', claimFor: { owner: 'w1', ttlMs: TTL } }, giveUpUntil: undefined });
  });

  it('marks the work done with the append that ends the run', () => {
    const done = state({ type: 'step-started', step: 'a', attempt: 1 }, { type: 'step-succeeded', step: 'a', attempt: 1 }, { type: 'completed' });
    expect(workOf({ opening: false, before: running, after: done, wait: undefined }, 'w1', TTL, NOW)).toEqual({ work: { state: 'done' }, giveUpUntil: undefined });
  });

  it('leaves the work alone while calls run, and for a wait shorter than the lease', () => {
    expect(workOf({ opening: false, before: running, after: running, wait: undefined }, 'w1', TTL, NOW)).toEqual({ work: undefined, giveUpUntil: undefined });
    expect(workOf({ opening: false, before: running, after: waiting, wait: NOW + TTL }, 'w1', TTL, NOW)).toEqual({ work: undefined, giveUpUntil: undefined });
  });

  it('gives up a run that only waits, longer than the lease lasts, due at its wake-up', () => {
    expect(workOf({ opening: false, before: running, after: waiting, wait: NOW + 5 * TTL }, 'w1', TTL, NOW))
      .toEqual({ work: { state: 'open', dueAt: new Date(NOW + 5 * TTL) }, giveUpUntil: NOW + 5 * TTL });
  });

  it('keeps a long-waiting run while another of its calls still runs', () => {
    const both = state(
      { type: 'step-started', step: 'a', attempt: 1 },
      { type: 'step-started', step: 'b', attempt: 1 },
      { type: 'step-failed', step: 'a', attempt: 1, error, wakeAt: NOW + 5 * TTL },
    );
    expect(workOf({ opening: false, before: running, after: both, wait: NOW + 5 * TTL }, 'w1', TTL, NOW)).toEqual({ work: undefined, giveUpUntil: undefined });
  });

  it('parks a stuck run until an operator\'s resolution reopens it', () => {
    const stuck = state(
      { type: 'step-started', step: 'a', attempt: 1 },
      { type: 'step-failed', step: 'a', attempt: 1, error },
      { type: 'compensation-started', step: 'a', attempt: 1 },
      { type: 'compensation-failed', step: 'a', attempt: 1, error },
      { type: 'stuck', step: 'a', phase: 'compensation', error, reason: 'down' },
    );
    expect(workOf({ opening: false, before: running, after: stuck, wait: undefined }, 'w1', TTL, NOW))
      .toEqual({ work: { state: 'open', dueAt: PARKED_UNTIL }, giveUpUntil: Infinity });
  });
});

describe('worker: how long a lease is trusted', () => {
  const lease = (token: number) => ({ stream: 'run:r', owner: 'w1', token, expiresAt: new Date(0) });

  it('trusts a lease until a quarter of its time to live before it could lapse, counted from when the call was sent', () => {
    expect(trustedUntil(10_000, 1_000)).toBe(10_750);
    const table = new LeaseTable(1_000);
    table.add('r', lease(3), 10_000);
    expect(table.untrusted(10_749)).toEqual([]);
    expect(table.untrusted(10_750)).toEqual(['r']);
  });

  it('extends the trust with a renewal of the same token only', () => {
    const table = new LeaseTable(1_000);
    table.add('r', lease(3), 10_000);
    table.renewed([lease(4)], 10_500);
    expect(table.untrusted(10_750)).toEqual(['r']);
    table.renewed([lease(3)], 10_500);
    expect(table.untrusted(10_750)).toEqual([]);
    expect(table.untrusted(11_250)).toEqual(['r']);
  });
});
