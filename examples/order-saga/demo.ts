import { openEngine, type RunState } from 'rewind/saga';
import { createServices } from './services.js';
import { placeOrder } from './saga.js';

/** Options of {@link runOrderDemo}. */
export interface OrderDemoOptions {
  /** Where the journal goes, e.g. `sqlite:./rewind-demo.db`. */
  readonly store: string;
  /** Also place an order to Atlantis, where no courier delivers, so it compensates. */
  readonly fail: boolean;
  /** Where lines go. */
  readonly print: (line: string) => void;
}

/**
 * Runs orders through the order saga on a durable journal: one that completes (after the
 * stock service's time-out is retried) and, with `fail`, one whose delivery cannot be
 * booked, so everything it started is undone in reverse order. Prints each run's journal
 * as a timeline, and what the services saw.
 */
export async function runOrderDemo(options: OrderDemoOptions): Promise<void> {
  const services = createServices();
  const definition = placeOrder(services);
  const engine = await openEngine({ store: options.store, sagas: [definition] });
  try {
    const stamp = Date.now().toString(36);
    const orders = [
      { id: `order-${stamp}-1`, address: '1 Main St' },
      ...(options.fail ? [{ id: `order-${stamp}-2`, address: '7 Coral Way, Atlantis' }] : []),
    ];
    for (const order of orders) {
      const run = await engine.start(definition, { items: ['book', 'lamp'], coupon: 'WELCOME10', address: order.address }, { id: order.id });
      const outcome = await run.result({ timeout: '30s' });
      options.print(`\nrun ${order.id} to ${order.address}: ${outcome.status}`);
      printTimeline(await engine.get(order.id), options.print);
      options.print('  the services saw:');
      for (const { key, line } of services.log) if (key.startsWith(`${order.id}:`)) options.print(`    ${line}`);
    }
  } finally {
    await engine.close();
  }
}

function printTimeline(state: RunState, print: (line: string) => void): void {
  const start = state.timeline[0]?.at ?? 0;
  for (const { seq, at, event } of state.timeline) {
    const step = 'step' in event ? ` ${event.step}` : '';
    const attempt = 'attempt' in event ? ` #${event.attempt}` : '';
    const error = 'error' in event ? `: ${event.error.message}` : '';
    print(`  ${String(seq).padStart(3)} +${String(at - start).padStart(4)} ms  ${event.type}${step}${attempt}${error}`);
  }
}
