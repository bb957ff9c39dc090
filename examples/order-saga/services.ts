/**
 * The services an order touches, in memory so the example runs anywhere. Every call is
 * keyed by the idempotency key Rewind gives the step (`<runId>:<step>`), tolerates being
 * asked twice (a retry or a recovery), and tolerates undoing what never happened.
 *
 * Two failures are built in, as real services have them: the stock service times out on
 * the first call for each order (a retry absorbs it), and no courier delivers to Atlantis
 * (the saga then compensates).
 */
export interface Services {
  /** What each service did, in order, with the idempotency key of the call. */
  readonly log: Array<{ readonly key: string; readonly line: string }>;
  createOrder(key: string): Promise<{ orderId: string }>;
  cancelOrder(key: string): Promise<void>;
  reserveStock(key: string, items: readonly string[]): Promise<{ reservation: string }>;
  releaseStock(key: string): Promise<void>;
  holdCoupon(key: string, code: string): Promise<{ hold: string }>;
  useCoupon(key: string): Promise<void>;
  freeCoupon(key: string): Promise<void>;
  bookDelivery(key: string, address: string): Promise<{ booking: string }>;
  cancelDelivery(key: string): Promise<void>;
}

/** A network round trip, so calls interleave as real ones do. */
const roundTrip = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));

/** Creates the in-memory services. */
export function createServices(): Services {
  const log: Array<{ key: string; line: string }> = [];
  const held = new Map<string, string>();
  const stockCalls = new Map<string, number>();
  const say = (key: string, line: string): void => void log.push({ key, line });
  const undo = async (what: string, key: string): Promise<void> => {
    await roundTrip();
    say(key, held.delete(`${what}:${key}`) ? `${what} undone` : `${what}: nothing to undo`);
  };
  return {
    log,
    async createOrder(key) {
      await roundTrip();
      held.set(`order:${key}`, key);
      say(key, 'order created');
      return { orderId: `order-${held.size}` };
    },
    cancelOrder: (key) => undo('order', key),
    async reserveStock(key, items) {
      await roundTrip();
      const calls = (stockCalls.get(key) ?? 0) + 1;
      stockCalls.set(key, calls);
      if (calls === 1) {
        say(key, 'stock service timed out');
        throw new Error('stock service timed out');
      }
      held.set(`stock:${key}`, items.join(','));
      say(key, `stock reserved: ${items.join(', ')}`);
      return { reservation: `res-${items.length}` };
    },
    releaseStock: (key) => undo('stock', key),
    async holdCoupon(key, code) {
      await roundTrip();
      held.set(`coupon:${key}`, code);
      say(key, `coupon ${code} held`);
      return { hold: code };
    },
    async useCoupon(key) {
      await roundTrip();
      say(key, held.has(`coupon:${key}`) ? 'coupon used' : 'coupon: nothing held');
    },
    freeCoupon: (key) => undo('coupon', key),
    async bookDelivery(key, address) {
      await roundTrip();
      if (address.includes('Atlantis')) {
        say(key, `delivery refused: no courier serves ${address}`);
        throw new Error(`no courier serves ${address}`);
      }
      held.set(`delivery:${key}`, address);
      say(key, `delivery booked to ${address}`);
      return { booking: 'dlv-77' };
    },
    cancelDelivery: (key) => undo('delivery', key),
  };
}
