// Type tests: checked by `npm run typecheck` (tsc), not run by vitest.
import { expectTypeOf } from 'vitest';
import {
  saga,
  type AnyOutputs,
  type CompensationContext,
  type DuplicateStepName,
  type JsonValue,
  type Saga,
  type StepContext,
  type StepOutputNotJson,
} from '../../src/saga/index.js';

interface Order {
  readonly orderId: string;
  readonly sku: string;
  readonly note?: string;
}
interface Reservation {
  readonly held: number;
}
const done = (): Promise<undefined> => Promise.resolve(undefined);

// Typed input and outputs: each step reads exactly the outputs of its upstream steps.
const placeOrder = saga<Order>('place-order', { version: 1 })
  .step('create-order', {
    run: (ctx) => {
      expectTypeOf(ctx.input).toEqualTypeOf<Order>();
      expectTypeOf(ctx.outputs).toEqualTypeOf<Record<never, never>>();
      expectTypeOf(ctx.attempt).toEqualTypeOf<number>();
      expectTypeOf(ctx.idempotencyKey).toEqualTypeOf<string>();
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      expectTypeOf(ctx.runId).toEqualTypeOf<string>();
      expectTypeOf(ctx.step).toEqualTypeOf<string>();
      return Promise.resolve({ id: ctx.input.orderId });
    },
    compensate: (ctx) => {
      expectTypeOf(ctx.output).toEqualTypeOf<{ id: string } | undefined>();
      return done();
    },
  })
  .step('reserve-stock', {
    run: (ctx) => {
      // The previous step is upstream by default.
      expectTypeOf(ctx.outputs['create-order']).toEqualTypeOf<{ id: string }>();
      const reservation: Reservation = { held: 2 };
      return Promise.resolve(reservation);
    },
    retry: { attempts: 5, backoff: { initial: '100ms', max: '10s' } },
    timeout: '2s',
  })
  .tcc('coupon', {
    after: ['create-order'],
    try: (ctx) => {
      // @ts-expect-error reserve-stock is not upstream of coupon
      void ctx.outputs['reserve-stock'];
      return Promise.resolve({ code: 'C1' });
    },
    confirm: (ctx) => {
      expectTypeOf(ctx.output).toEqualTypeOf<{ code: string }>();
      return done();
    },
    cancel: (ctx) => {
      expectTypeOf(ctx.output).toEqualTypeOf<{ code: string } | undefined>();
      return done();
    },
  })
  .step('book-delivery', {
    after: ['reserve-stock', 'coupon'],
    run: (ctx) => {
      // Upstream is the transitive closure of after, including the previous-step edges.
      expectTypeOf(ctx.outputs).toEqualTypeOf<{
        readonly 'create-order': { id: string };
        readonly 'reserve-stock': Reservation;
        readonly coupon: { code: string };
      }>();
      return done();
    },
  })
  .step('notify', {
    after: [],
    run: (ctx) => {
      // A root reads no outputs.
      // @ts-expect-error create-order is not upstream of a root
      void ctx.outputs['create-order'];
      return done();
    },
  });
expectTypeOf(placeOrder.name).toEqualTypeOf<string>();

// `after` can name only steps declared before.
saga('p')
  .step('a', { run: done })
  // @ts-expect-error "zz" is not a declared step
  .step('b', { after: ['zz'], run: done });

// Durations are checked at compile time.
// @ts-expect-error '2x' is not a duration
saga('p').step('a', { run: done, timeout: '2x' });
// @ts-expect-error '10 parsecs' is not a duration
saga('p').step('a', { run: done, retry: { backoff: { max: '10 parsecs' } } });

// Inputs and outputs must be JSON.
// @ts-expect-error a Date does not survive the journal
saga<{ at: Date }>('p');
const dated = saga('p').step('a', { run: () => Promise.resolve(new Date()) });
expectTypeOf(dated).toEqualTypeOf<StepOutputNotJson<'a'>>();
// The chain stops at a step whose output is not JSON.
expectTypeOf(dated).not.toHaveProperty('step');

// A step name is used once.
const twice = saga('p').step('a', { run: done }).step('a', { run: done });
expectTypeOf(twice).toEqualTypeOf<DuplicateStepName<'a'>>();

// The input defaults to any JSON value.
expectTypeOf(saga('p')).toEqualTypeOf<Saga<JsonValue>>();

// Step functions declared apart, as in DESIGN.md, take the context types directly.
function createOrder(ctx: StepContext<Order>): Promise<{ id: string }> {
  return Promise.resolve({ id: ctx.input.orderId });
}
function cancelOrder(ctx: CompensationContext<Order, AnyOutputs, { id: string }>): Promise<void> {
  void ctx.output?.id;
  return Promise.resolve();
}
saga<Order>('apart').step('create-order', { run: createOrder, compensate: cancelOrder });
