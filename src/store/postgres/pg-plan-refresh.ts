/**
 * Keeping the cached plans of the store's named statements (`pg-prepared.ts`) fit for the
 * size its tables have grown to.
 *
 * The server keeps one plan per named statement and connection, made for the table sizes
 * of the moment, until something invalidates it: DDL, or the `ANALYZE` and `VACUUM` that
 * autovacuum runs. A lookup of 64 streams by name planned while the table held a thousand
 * rows is a sequential scan (then the cheaper way), and it stays one as the table grows a
 * hundredfold if autovacuum is off, or not yet due. On the saga benchmark, on a server
 * with autovacuum off, that took PostgreSQL's CPU per step from 0.035 ms to between 0.1 and
 * 0.25 ms on the connections that had made their plans early: each append read every
 * stream's row.
 *
 * So the store watches its tables grow through the stream ids its appends see: they are
 * handed out in order, so the largest one seen follows how many streams there are,
 * whichever process made them. A connection drops its cached plans (`DISCARD PLANS`, which
 * keeps the statements prepared) once the streams have grown by a quarter since it last
 * did, and the server remakes them for the sizes of the day: a few dozen times over a
 * table's life, a round trip each.
 *
 * @module
 */
import type { PgPoolClient } from './pg-driver-types.js';

/** Growth, in streams, below which plans are not remade however large the ratio: small tables plan alike. */
const GROWTH_FLOOR = 256;

/** What an append reports to the store's {@link PlanRefresh}: the id of each stream it read or made. */
export interface StreamIdSink {
  /** Notes a `rewind_streams.id` (int8, as the driver returns it: text). */
  saw(id: string | null): void;
}

/** The plan-refresh state of one store, over every connection it borrows. */
export class PlanRefresh implements StreamIdSink {
  #largest = 0;
  /** The largest stream id known when each connection's plans were last remade (or it was first borrowed). */
  readonly #madeAt = new WeakMap<PgPoolClient, number>();

  saw(id: string | null): void {
    if (id === null) return;
    const n = Number(id);
    if (n > this.#largest) this.#largest = n;
  }

  /**
   * Sends `DISCARD PLANS` on `client` when the streams grew by a quarter (and
   * {@link GROWTH_FLOOR}) since its plans were last remade. Call on a connection just
   * borrowed, outside any transaction of the store's.
   * @throws the driver's error, unclassified
   */
  async refresh(client: PgPoolClient): Promise<void> {
    const madeAt = this.#madeAt.get(client);
    if (madeAt === undefined) {
      this.#madeAt.set(client, this.#largest);
      return;
    }
    if (this.#largest < madeAt + madeAt / 4 + GROWTH_FLOOR) return;
    await client.query('DISCARD PLANS');
    this.#madeAt.set(client, this.#largest);
  }
}
