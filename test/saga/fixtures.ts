// Shared definitions and journal builders for the saga tests.
import { saga, type JournalRecord, type SagaEvent, type SerializedError } from '../../src/saga/index.js';

export const RUN = 'order-42';
export const T0 = 1_000_000;

const noop = (): Promise<undefined> => Promise.resolve(undefined);

/** DESIGN.md's order saga: a chain, then a TCC step, then a join of two branches. */
export const placeOrder = saga<{ orderId: string }>('place-order', { version: 1 })
  .step('create-order', { run: (ctx) => Promise.resolve({ id: ctx.input.orderId }), compensate: noop })
  .step('reserve-stock', { run: () => Promise.resolve({ held: 2 }), compensate: noop, retry: { attempts: 5 }, timeout: '2s' })
  .tcc('coupon', { after: ['create-order'], try: () => Promise.resolve({ code: 'C1' }), confirm: noop, cancel: noop })
  .step('book-delivery', { after: ['reserve-stock', 'coupon'], run: noop, compensate: noop });

/** `a`, then `b` and `c` concurrently (both after `a`), then `d` after both. `c` has no compensation. */
export const diamond = saga('diamond')
  .step('a', { run: () => Promise.resolve('A'), compensate: noop, retry: { attempts: 2, backoff: { jitter: false } } })
  .step('b', { run: () => Promise.resolve('B'), compensate: noop, compensationRetry: { attempts: 2, backoff: { jitter: false } } })
  .step('c', { after: ['a'], run: () => Promise.resolve('C') })
  .step('d', { after: ['b', 'c'], run: () => Promise.resolve('D'), compensate: noop });

/** The `started` event of a run of `definition`. */
export function started(definition: { name: string; version: number }, deadline?: number): SagaEvent {
  return {
    type: 'started',
    format: 1,
    saga: definition.name,
    version: definition.version,
    input: { orderId: '42' },
    ...(deadline === undefined ? {} : { deadline }),
  };
}

/** Records for `events`, numbered from 1, one second apart from {@link T0}. */
export function journal(...events: SagaEvent[]): JournalRecord[] {
  return events.map((event, i) => ({ seq: i + 1, at: T0 + i * 1_000, event }));
}

export const boom: SerializedError = { name: 'Error', message: 'boom' };

/** step-started + step-succeeded for attempt 1. */
export function ran(step: string, output?: string): SagaEvent[] {
  return [
    { type: 'step-started', step, attempt: 1 },
    { type: 'step-succeeded', step, attempt: 1, ...(output === undefined ? {} : { output }) },
  ];
}
