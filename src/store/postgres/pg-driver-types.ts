/**
 * The part of `pg` (node-postgres) that the PostgreSQL store calls, as structural types.
 *
 * Declared here rather than imported from `pg` so that type-checking Rewind never needs the
 * driver's types, and so that a user's own `Pool` (configured with their TLS, pool size,
 * timeouts) plugs in as it is. `test/store/pg-driver-types.test.ts` checks that the real
 * driver satisfies them.
 *
 * Rows are read defensively: integers come back through `Number()` and times as epoch
 * milliseconds computed in SQL, so a pool whose type parsers were changed (int8 as
 * `BigInt`, timestamps as strings) reads the journal the same.
 *
 * @module
 */

/** What a query resolves with. */
export interface PgQueryResult<Row> {
  /** The rows returned, one object per row keyed by column name. */
  readonly rows: Row[];
  /** Rows returned or changed; `null` for statements that report none. */
  readonly rowCount: number | null;
}

/** A message delivered to a connection that ran `LISTEN`. */
export interface PgNotification {
  /** The channel it was sent on. */
  readonly channel: string;
  /** The text given to `NOTIFY` / `pg_notify`, if any. */
  readonly payload?: string | undefined;
}

/** A statement the server prepares under `name` on a connection's first use of it. */
export interface PgQueryConfig {
  readonly name: string;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly values: any[];
}

/** A connection checked out of a pool. */
export interface PgPoolClient {
  /** Runs one statement; values are bound as `$1`, `$2`, ... (several statements when there are none). */
  // `any[]` rather than `unknown[]`: the driver's own types are generic over the row.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(text: string, values?: any[]): Promise<PgQueryResult<any>>;
  /** Runs a named statement, preparing it first if this connection has not yet. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query(config: PgQueryConfig): Promise<PgQueryResult<any>>;
  /** Returns the connection to its pool; with an error (or `true`) the pool destroys it instead. */
  release(error?: Error | boolean): void;
  /**
   * `error`: the connection failed while no query was running on it (the pool removes its
   * own listener while a client is checked out, and an `error` event without a listener
   * would crash the process). `notification`: a `NOTIFY` on a channel it listens to.
   */
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'notification', listener: (message: PgNotification) => void): unknown;
  /** Removes a listener added with `on`. */
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'notification', listener: (message: PgNotification) => void): unknown;
}

/** The connection settings a pool was made with, read only to name the store in messages. */
export interface PgPoolOptions {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly database?: string | undefined;
  readonly user?: string | undefined;
  readonly connectionString?: string | undefined;
  /** The most connections the pool opens (pg's default: 10). */
  readonly max?: number | undefined;
}

/** A connection pool, as `new pg.Pool(config)` returns it. */
export interface PgPool {
  /** Checks a connection out; it must be given back with `release`. */
  connect(): Promise<PgPoolClient>;
  /** Closes every connection; the pool cannot be used afterwards. */
  end(): Promise<void>;
  /**
   * `error`: an idle connection of the pool failed (a server restart, an administrator
   * killing it). The pool has already dropped it; without a listener the process crashes.
   */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** `connect`: the pool opened a new connection, before anyone borrows it. */
  on(event: 'connect', listener: (client: PgPoolClient) => void): unknown;
  /** Removes a listener added with `on`. */
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: 'connect', listener: (client: PgPoolClient) => void): unknown;
  /** The settings the pool was made with (pg-pool keeps them public). */
  readonly options?: PgPoolOptions | undefined;
}

/** The pool settings the store passes when it makes its own pool. */
export interface PgPoolConfig {
  readonly connectionString: string;
  /** Shown in `pg_stat_activity.application_name`, so operators can tell the store's connections apart. */
  readonly application_name: string;
  /** The most connections the pool opens. */
  readonly max: number;
}

/** The part of the driver module the store uses: its `Pool` constructor. */
export interface PgModule {
  readonly Pool: new (config: PgPoolConfig) => PgPool;
}

/** An error raised by the driver: a server error carries a SQLSTATE `code`, a socket error a Node one. */
export interface PgDriverError extends Error {
  /** A five-character SQLSTATE (`57P01`) or a Node system error code (`ECONNRESET`). */
  readonly code?: string | undefined;
}
