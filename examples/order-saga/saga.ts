import { saga } from 'rewind/saga';
import type { Services } from './services.js';

/** What a customer orders. */
export interface OrderInput {
  readonly items: readonly string[];
  readonly coupon: string;
  readonly address: string;
}

/**
 * The order saga of DESIGN.md: create the order, reserve stock (retried), hold a coupon
 * (try-confirm-cancel), then book the delivery once stock and coupon are in. If the
 * delivery cannot be booked, everything that started is undone in reverse order.
 */
export function placeOrder(services: Services) {
  return saga<OrderInput>('place-order', { version: 1 })
    .step('create-order', {
      run: (ctx) => services.createOrder(ctx.idempotencyKey),
      compensate: (ctx) => services.cancelOrder(ctx.idempotencyKey),
    })
    .step('reserve-stock', {
      run: (ctx) => services.reserveStock(ctx.idempotencyKey, ctx.input.items),
      compensate: (ctx) => services.releaseStock(ctx.idempotencyKey),
      retry: { attempts: 5, backoff: { initial: '20ms', max: '200ms' } },
      timeout: '2s',
    })
    .tcc('coupon', {
      try: (ctx) => services.holdCoupon(ctx.idempotencyKey, ctx.input.coupon),
      confirm: (ctx) => services.useCoupon(ctx.idempotencyKey),
      cancel: (ctx) => services.freeCoupon(ctx.idempotencyKey),
      after: ['create-order'],
    })
    .step('book-delivery', {
      run: (ctx) => services.bookDelivery(ctx.idempotencyKey, ctx.input.address),
      compensate: (ctx) => services.cancelDelivery(ctx.idempotencyKey),
      after: ['reserve-stock', 'coupon'],
      retry: { attempts: 2, backoff: { initial: '20ms', max: '50ms' } },
    });
}
