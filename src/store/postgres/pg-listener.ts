/**
 * Wake-ups for idle workers: one connection that `LISTEN`s on the store's channel while
 * anyone is subscribed, and reconnects after it is lost.
 *
 * Best effort by design: a notification sent while the connection is down (or not yet up)
 * is gone, so every time `LISTEN` takes effect, the first time included, the listeners are
 * called once (work may have appeared meanwhile), and workers still poll as a fallback.
 *
 * The listening connection is one of the pool's, held for as long as anyone is subscribed.
 * A pool of one connection never gives it up: on such a pool nothing listens, and workers
 * find work by polling alone, rather than every other query of the store waiting forever.
 *
 * @module
 */
import type { Disposable } from '../../internal/event.js';
import type { PgNotification, PgPool, PgPoolClient } from './pg-driver-types.js';
import { quoteIdentifier } from './pg-names.js';

/** The first wait before reconnecting, doubled after each failure up to {@link MAX_RETRY_MS}. */
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5000;

/** The `LISTEN` connection of one store and the callbacks subscribed to it. */
export class WorkListener {
  readonly #pool: PgPool;
  readonly #channel: string;
  readonly #listeners = new Set<(stream: string | undefined) => void>();
  #client: Connection | undefined;
  #connecting = false;
  #retryMs = FIRST_RETRY_MS;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(pool: PgPool, channel: string) {
    this.#pool = pool;
    this.#channel = channel;
  }

  /**
   * Calls `listener` on every wake-up until the returned handle is disposed, with the stream
   * whose work opened when the notification names one (`undefined` for a release, or the
   * wake-up after `LISTEN` took effect).
   */
  subscribe(listener: (stream: string | undefined) => void): Disposable {
    // Wrapped, so the same function subscribed twice is two subscriptions.
    const entry = (stream: string | undefined): void => listener(stream);
    this.#listeners.add(entry);
    if (this.#pool.options?.max !== 1) this.#ensureConnected();
    const dispose = (): void => {
      this.#listeners.delete(entry);
      if (this.#listeners.size === 0) this.#disconnect();
    };
    return { dispose, [Symbol.dispose]: dispose };
  }

  /** Drops every subscription and the connection; nothing is called afterwards. */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.#disconnect();
  }

  #ensureConnected(): void {
    if (this.#closed || this.#client !== undefined || this.#connecting || this.#timer !== undefined) return;
    this.#connecting = true;
    void this.#connect().finally(() => {
      this.#connecting = false;
    });
  }

  async #connect(): Promise<void> {
    let client: PgPoolClient;
    try {
      client = await this.#pool.connect();
    } catch {
      this.#retryLater();
      return;
    }
    const connection = new Connection(client, this.#channel, (stream) => this.#emit(stream), () => {
      if (this.#client === connection) this.#client = undefined;
      this.#retryLater();
    });
    try {
      await client.query(`LISTEN ${quoteIdentifier(this.#channel)}`);
    } catch {
      connection.lost();
      return;
    }
    if (this.#closed || this.#listeners.size === 0) {
      connection.drop();
      return;
    }
    this.#client = connection;
    this.#retryMs = FIRST_RETRY_MS;
    // Notifications sent before LISTEN took effect were missed: wake everyone once.
    this.#emit(undefined);
  }

  #retryLater(): void {
    if (this.#closed || this.#listeners.size === 0 || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#ensureConnected();
    }, this.#retryMs);
    // A wake-up channel must not keep a process alive on its own.
    this.#timer.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
  }

  #disconnect(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const connection = this.#client;
    this.#client = undefined;
    connection?.drop();
  }

  #emit(stream: string | undefined): void {
    for (const listener of this.#listeners) {
      try {
        listener(stream);
      } catch (error) {
        // One listener's failure must not starve the others; it surfaces on a later tick.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/** One checked-out `LISTEN` connection, given back exactly once. */
class Connection {
  readonly #client: PgPoolClient;
  readonly #channel: string;
  readonly #onLost: () => void;
  readonly #onError = (): void => this.lost();
  readonly #onNotification: (message: PgNotification) => void;
  #done = false;

  constructor(client: PgPoolClient, channel: string, onNotify: (stream: string | undefined) => void, onLost: () => void) {
    this.#client = client;
    this.#channel = channel;
    this.#onLost = onLost;
    this.#onNotification = (message) => {
      if (message.channel === this.#channel) onNotify(message.payload === undefined || message.payload === '' ? undefined : message.payload);
    };
    client.on('error', this.#onError);
    client.on('notification', this.#onNotification);
  }

  /** The connection failed: destroy it and tell the owner, who reconnects. */
  lost(): void {
    if (this.drop()) this.#onLost();
  }

  /**
   * Stops listening and destroys the connection (a pooled connection would go on
   * listening); false when that was already done. A no-op `error` listener stays, because
   * a destroyed client may still report its socket's end.
   */
  drop(): boolean {
    if (this.#done) return false;
    this.#done = true;
    this.#client.removeListener('notification', this.#onNotification);
    this.#client.removeListener('error', this.#onError);
    this.#client.on('error', ignore);
    this.#client.release(true);
    return true;
  }
}

function ignore(): void {
  // See Connection.drop().
}
