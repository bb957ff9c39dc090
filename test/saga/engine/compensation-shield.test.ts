import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CanceledError, DeadlineExceededError } from '../../../src/scope/index.js';
import { saga } from '../../../src/saga/index.js';
import { useEngines, useTempDir } from './helpers.js';

const db = useTempDir('compensation-shield');
const openEngine = useEngines();

const HOUR = 3_600_000;
// Retries are allowed, so that "one attempt" is the compensation's doing, not the budget's.
const compensationRetry = { attempts: 3, backoff: { initial: 1, max: 1, jitter: false } } as const;

/** What one attempt of a compensation saw of its signal while it worked. */
interface Observed {
  abortedAtStart: boolean;
  abortEvent: boolean;
  abortedAtEnd: boolean;
  finished: boolean;
}

/**
 * A refund that takes `ms` of real time and watches its signal as a careful compensation
 * does: the wait gives up with the signal's reason as soon as it aborts, or at once if it
 * already has. Each attempt's observations stop at its end: the scope closing afterwards
 * is not part of the compensation's duration.
 */
function watchfulRefund(ms: number): { compensate: (ctx: { signal: AbortSignal }) => Promise<void>; attempts: Observed[] } {
  const attempts: Observed[] = [];
  const compensate = async ({ signal }: { signal: AbortSignal }): Promise<void> => {
    const seen: Observed = { abortedAtStart: signal.aborted, abortEvent: false, abortedAtEnd: false, finished: false };
    attempts.push(seen);
    const onAbort = (): void => void (seen.abortEvent = true);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await sleep(ms, undefined, { signal });
      seen.finished = true;
    } finally {
      seen.abortedAtEnd = signal.aborted;
      signal.removeEventListener('abort', onAbort);
    }
  };
  return { compensate, attempts };
}

/** A step's run that reports it started, then holds until its signal aborts, keeping the reason. */
function holdUntilAborted(): { run: (ctx: { signal: AbortSignal }) => Promise<never>; started: Promise<void>; abortedWith: () => unknown } {
  let started!: () => void;
  let reason: unknown;
  const run = ({ signal }: { signal: AbortSignal }): Promise<never> => {
    started();
    return new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject((reason = signal.reason) as Error), { once: true }));
  };
  return { run, started: new Promise<void>((resolve) => (started = resolve)), abortedWith: () => reason };
}

const untouched: Observed = { abortedAtStart: false, abortEvent: false, abortedAtEnd: false, finished: true };

describe('saga engine: compensations are shielded from what made the run compensate', () => {
  it('gives a 100 ms compensation begun by a cancel a signal that never aborts, and it compensates the run in one attempt', async () => {
    const refund = watchfulRefund(100);
    const ship = holdUntilAborted();
    const def = saga('cancel-shield', { compensationRetry })
      .step('charge', { run: () => Promise.resolve(), compensate: refund.compensate })
      .step('ship', { run: ship.run });
    const engine = await openEngine({ store: `sqlite:${db('cancel')}`, sagas: [def] });
    const run = await engine.start(def, null, { id: 'c-1' });
    await ship.started;
    await engine.cancel('c-1', 'customer left');
    const outcome = await run.result({ timeout: '10s' });
    // The cancel did abort the step that was running: it is the compensation alone that is spared.
    expect(ship.abortedWith()).toBeInstanceOf(CanceledError);
    expect(refund.attempts).toEqual([untouched]);
    expect(outcome).toMatchObject({ status: 'compensated', cause: { cause: 'cancel-requested', reason: 'customer left' } });
  });

  it('gives a 100 ms compensation begun by the run passing its deadline a signal that never aborts, and it compensates the run in one attempt', async () => {
    const refund = watchfulRefund(100);
    const ship = holdUntilAborted();
    let packed!: () => void;
    const packing = new Promise<void>((resolve) => (packed = resolve));
    // The engine's clock jumps past the deadline while ship runs; pack's success then makes
    // the engine plan at that time, so the deadline passes exactly when the test says.
    let shift = 0;
    const def = saga('deadline-shield', { compensationRetry })
      .step('charge', { run: () => Promise.resolve(), compensate: refund.compensate })
      .step('ship', { run: ship.run })
      .step('pack', { after: ['charge'], run: () => packing });
    const engine = await openEngine({ store: `sqlite:${db('deadline')}`, sagas: [def], clock: () => Date.now() + shift });
    const run = await engine.start(def, null, { id: 'd-1', deadline: '1h' });
    await ship.started;
    shift = 2 * HOUR;
    packed();
    const outcome = await run.result({ timeout: '10s' });
    expect(ship.abortedWith()).toBeInstanceOf(DeadlineExceededError);
    expect(refund.attempts).toEqual([untouched]);
    expect(outcome).toMatchObject({ status: 'compensated', cause: { cause: 'deadline-passed' } });
  });
});
