/**
 * Borrowing connections from the pool safely: every failure classified once, a connection
 * that broke destroyed rather than returned, and a transaction always ended.
 *
 * @module
 */
import { breaksConnection, classifyPgError } from './pg-errors.js';
import type { PgPool, PgPoolClient } from './pg-driver-types.js';
import { PlanRefresh } from './pg-plan-refresh.js';

/** How a transaction commits: see `Durability` and {@link PgConnections.transaction}. */
export type CommitMode = 'sync' | 'async';

/**
 * Runs work on connections of one pool, for one store.
 *
 * While a connection is checked out, the pool has removed its own `error` listener from
 * it; a connection killed between two statements of a transaction would then emit
 * `error` with no listener, which crashes the process. Every borrow attaches one, and a
 * connection that reported an error is released with it, so the pool destroys it and the
 * next borrow gets a fresh one.
 *
 * A connection can also die before it is ever borrowed: one terminated while it opens
 * delivers the server's FATAL in the same read as its ReadyForQuery, between the pool
 * dropping its listener and a borrow adding one. So every new connection gets a listener
 * for its whole life, which marks it dead; a borrow that draws a dead one destroys it and
 * draws again, rather than failing on an error it could not classify.
 */
export class PgConnections {
  /** Remakes a connection's cached plans as the tables grow; appends report the stream ids they see to it. */
  readonly plans = new PlanRefresh();
  readonly #pool: PgPool;
  readonly #url: () => string;
  readonly #dead = new WeakSet<PgPoolClient>();
  readonly #watch = (client: PgPoolClient): void => {
    client.on('error', () => this.#dead.add(client));
  };
  readonly #begin: Record<CommitMode, string> = {
    sync: 'BEGIN',
    // One round trip: without parameters, pg sends both statements as one simple query.
    async: 'BEGIN; SET LOCAL synchronous_commit = off',
  };

  /** @param url the store's display URL, read when an error is raised */
  constructor(pool: PgPool, url: () => string) {
    this.#pool = pool;
    this.#url = url;
    pool.on('connect', this.#watch);
  }

  /** Stops watching the pool's new connections (a user's pool outlives the store). */
  dispose(): void {
    this.#pool.removeListener('connect', this.#watch);
  }

  /**
   * Makes `sync` transactions turn `synchronous_commit` on for themselves: needed when the
   * server's (or the role's) default is `off`, which would make every commit asynchronous.
   * Left alone otherwise, so a stronger default (`remote_apply` on a replicated server) stays.
   */
  forceSyncCommit(on: boolean): void {
    this.#begin.sync = on ? 'BEGIN; SET LOCAL synchronous_commit = on' : 'BEGIN';
  }

  /**
   * The `synchronous_commit` a statement run outside a transaction must set for itself
   * (`set_config(..., true)`, which lasts until its implicit transaction commits) to commit
   * as `mode` requires; `undefined` when the server's own setting does.
   */
  statementSetting(mode: CommitMode): 'on' | 'off' | undefined {
    if (mode === 'async') return 'off';
    return this.#begin.sync === 'BEGIN' ? undefined : 'on';
  }

  /**
   * Runs `work` on a borrowed connection and gives it back (destroyed if it broke).
   * @throws what `work` throws, classified (`StoreUnavailableError` for a lost connection, with `retryable`)
   */
  async run<T>(operation: string, work: (client: PgPoolClient, discard: () => void) => Promise<T>): Promise<T> {
    const client = await this.#borrow(operation);
    let lost: Error | undefined;
    let discarded = false;
    const onError = (error: Error): void => {
      lost = error;
    };
    client.on('error', onError);
    try {
      await this.plans.refresh(client);
      return await work(client, () => {
        discarded = true;
      });
    } catch (error) {
      // The server's last word before it closes (57P01) arrives before the connection's own
      // `error` event: destroy the connection now rather than hand it to the next caller.
      if (breaksConnection(error)) discarded = true;
      throw classifyPgError(error, this.#url(), operation, lost !== undefined);
    } finally {
      client.removeListener('error', onError);
      // With an argument, the pool destroys the connection instead of keeping it.
      client.release(lost ?? discarded);
    }
  }

  /** Checks out a live connection; each dead one drawn is destroyed, which bounds the draws by the pool's size. */
  async #borrow(operation: string): Promise<PgPoolClient> {
    for (;;) {
      let client: PgPoolClient;
      try {
        client = await this.#pool.connect();
      } catch (error) {
        throw classifyPgError(error, this.#url(), operation, true);
      }
      if (!this.#dead.has(client)) return client;
      client.release(true);
    }
  }

  /**
   * Runs `work` inside `BEGIN` ... `COMMIT` on one connection. If `work` throws, or the
   * commit fails, the transaction is rolled back (or dies with its connection) and nothing
   * of it is written; so it is when `shouldCommit` says no to what `work` returned, which
   * is then returned as is. `async` commits with `synchronous_commit = off`: the commit returns
   * before its WAL is flushed, and a server crash may lose it (never half of it).
   *
   * When the connection breaks during `COMMIT`, the transaction may or may not have
   * committed; the error says `retryable`, and a writer retrying with `expectedSeq` finds out
   * which (a conflict means it did).
   * @throws what `work` throws, classified
   */
  transaction<T>(
    operation: string,
    mode: CommitMode,
    work: (client: PgPoolClient) => Promise<T>,
    shouldCommit: (result: T) => boolean = () => true,
  ): Promise<T> {
    return this.run(operation, async (client, discard) => {
      await client.query(this.#begin[mode]);
      let result: T;
      try {
        result = await work(client);
      } catch (error) {
        if (breaksConnection(error) || !(await rollback(client))) discard();
        throw error;
      }
      await client.query(shouldCommit(result) ? 'COMMIT' : 'ROLLBACK');
      return result;
    });
  }
}

/**
 * Rolls back after a failure; false when the rollback failed too. That means the
 * connection is gone (which ends the transaction as well) or in a state nobody should
 * reuse, so the caller discards it; the failure that mattered is the first one, so this
 * one is dropped.
 */
async function rollback(client: PgPoolClient): Promise<boolean> {
  try {
    await client.query('ROLLBACK');
    return true;
  } catch {
    return false;
  }
}
