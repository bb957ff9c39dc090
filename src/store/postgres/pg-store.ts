/**
 * The PostgreSQL journal store: several processes on several machines appending to one
 * journal, and coordinating through it (leases, fencing, wake-ups).
 *
 * @module
 */
import { InvalidArgumentError } from '../../errors.js';
import type { Duration } from '../../internal/duration.js';
import type {
  AppendOutcome,
  AppendRequest,
  JournalStore,
  ReadRange,
  StoreCapabilities,
  StoreOpenContext,
  StreamFilter,
} from '../contract.js';
import { decodeRecordRow } from '../decode-record.js';
import type { Durability } from '../durability.js';
import { loadDriver } from '../load-driver.js';
import type { StoredRecord, StreamInfo } from '../records.js';
import { appendInOpenTransaction, appendStepwise, settleRest } from './pg-append.js';
import { appendInOneStatement, fitsOneStatement } from './pg-append-one.js';
import { PgConnections, type CommitMode } from './pg-connection.js';
import { likePrefix, PgCoordination, type PgCoordinationContext } from './pg-coordination.js';
import type { PgModule, PgPool } from './pg-driver-types.js';
import { WorkListener } from './pg-listener.js';
import { pgNames, type PgNames } from './pg-names.js';
import { prepared } from './pg-prepared.js';
import { migrate, toMigrationLockTimeoutMs } from './pg-schema.js';
import { displayUrl } from './pg-url.js';

/** Options of {@link PgStore}: give either `pool` or `connectionString`. */
export interface PgStoreOptions {
  /**
   * Your own `pg.Pool`, configured as you like (TLS, size, timeouts). The store borrows
   * connections from it and never ends it: `close()` leaves it open for you to end. As its
   * tables grow, it sends `DISCARD PLANS` on a connection it borrows now and then, so your
   * own prepared statements on that connection are planned afresh too.
   */
  readonly pool?: PgPool | undefined;
  /** A `postgres://` URL; the store makes its own pool (loading `pg` at open) and ends it on `close()`. */
  readonly connectionString?: string | undefined;
  /**
   * The schema holding the journal's tables, created on open if missing. One schema is one
   * journal; tests and tenants can each have their own.
   * @default 'rewind'
   */
  readonly schema?: string | undefined;
  /**
   * `application_name` of the store's own connections, shown in `pg_stat_activity`.
   * Ignored with `pool` (set it on your pool), and overridden by one in the URL.
   * @default 'rewind'
   */
  readonly applicationName?: string | undefined;
  /**
   * The most connections the store's own pool opens. Ignored with `pool`. While a worker
   * runs, one of them listens for wake-ups; with 1 (on this pool or on yours), nothing
   * listens, and workers find new work by polling alone (`worker.pollInterval`).
   * `openStore()` takes it as the URL parameter `?maxConnections=`.
   * @default 10
   */
  readonly maxConnections?: number | undefined;
  /**
   * How long open waits for the lock its migrations run under: held by another process
   * migrating the same schema, or (on a journal table) by a long transaction. Past it, open
   * fails with a retryable `StoreUnavailableError` (driver code 55P03) instead of hanging.
   * Milliseconds or a string such as `'5s'`, from 1 ms to 2147483647 ms (PostgreSQL's
   * limit); 0 is refused, because PostgreSQL would read it as "wait forever".
   * `openStore()` takes it as the URL parameter `?migrationLockTimeout=` (milliseconds, or a
   * duration such as `10s`).
   * @default '30s'
   */
  readonly migrationLockTimeout?: Duration | undefined;
}

/** Everything an open store holds. */
interface OpenState extends PgCoordinationContext {
  readonly pool: PgPool;
  readonly onIdleError: (error: Error) => void;
}

interface PgRecordRow {
  readonly seq: string;
  readonly type: string;
  readonly data: string | null;
  readonly at_ms: string;
  readonly checksum: string;
}

interface StreamRow {
  readonly stream: string;
  readonly last_seq: string;
  readonly updated_ms: string;
}

function commitMode(durability: Durability): CommitMode {
  return durability === 'always' ? 'sync' : 'async';
}

/**
 * A {@link JournalStore} on PostgreSQL through `pg` (node-postgres).
 *
 * Pass it to `openStore()`, or let `openStore('postgres://...')` build one. `pg` is an
 * optional peer dependency, loaded only when the store makes its own pool.
 *
 * Durability: `always` commits with `synchronous_commit` on (the server's default; turned
 * on per transaction if the server's default is off), so an acknowledged append is in the
 * server's flushed WAL. `interval` and `none` commit with `synchronous_commit = off` per
 * transaction: PostgreSQL's WAL writer flushes within about 3 × `wal_writer_delay` (600 ms by
 * default), and under `interval` the store also forces a flush every `syncInterval`. A
 * server crash can then lose the last commits, always whole transactions; the database
 * itself is never damaged.
 *
 * @example
 * ```ts
 * const journal = await openStore(new PgStore({ connectionString: process.env.DATABASE_URL, schema: 'orders' }));
 * ```
 */
export class PgStore implements JournalStore {
  /** Transactions for steps, many processes, and `SKIP LOCKED` claims. */
  readonly capabilities: StoreCapabilities = Object.freeze({ transactionalSteps: true, multiProcess: true, skipLocked: true });
  readonly coordination: PgCoordination;
  readonly #options: PgStoreOptions;
  readonly #names: PgNames;
  readonly #url: string;
  readonly #maxConnections: number;
  readonly #migrationLockTimeoutMs: number;
  #state: OpenState | undefined;

  /** @throws {@link InvalidArgumentError} when an option is not valid (checked here, before anything connects). */
  constructor(options: PgStoreOptions) {
    const o: unknown = options;
    if (typeof o !== 'object' || o === null) {
      throw new InvalidArgumentError({ path: 'options', expected: 'options { pool } or { connectionString }', got: o });
    }
    const { pool, connectionString, applicationName, maxConnections } = options;
    const hasPool = typeof pool === 'object' && pool !== null && typeof (pool as Partial<PgPool>).connect === 'function';
    if (pool !== undefined && !hasPool) throw new InvalidArgumentError({ path: 'options.pool', expected: 'a pg Pool', got: pool });
    if (connectionString !== undefined && (typeof connectionString !== 'string' || connectionString === '')) {
      throw new InvalidArgumentError({ path: 'options.connectionString', expected: 'a postgres:// URL', got: '(not shown)' });
    }
    if (hasPool === (connectionString !== undefined)) {
      throw new InvalidArgumentError({ path: 'options', expected: 'exactly one of pool and connectionString', got: hasPool ? 'both' : 'neither' });
    }
    if (applicationName !== undefined && typeof applicationName !== 'string') {
      throw new InvalidArgumentError({ path: 'options.applicationName', expected: 'a string', got: applicationName });
    }
    if (maxConnections !== undefined && (!Number.isSafeInteger(maxConnections) || maxConnections < 1)) {
      throw new InvalidArgumentError({ path: 'options.maxConnections', expected: 'an integer >= 1', got: maxConnections });
    }
    this.#options = options;
    this.#names = pgNames(options.schema ?? 'rewind', 'options.schema');
    this.#maxConnections = maxConnections ?? 10;
    this.#migrationLockTimeoutMs = toMigrationLockTimeoutMs(options.migrationLockTimeout, 'options.migrationLockTimeout');
    this.#url = displayUrl({ connectionString, pool: pool?.options }, this.#names.schema);
    this.coordination = new PgCoordination(() => this.#ready());
  }

  /** `postgres://user@host:port/database?schema=...`, without a password. */
  get url(): string {
    return this.#url;
  }

  /** The schema holding the journal. */
  get schema(): string {
    return this.#names.schema;
  }

  /**
   * Makes the pool (loading `pg`) unless one was given, creates the schema if missing and
   * applies pending migrations under the schema's advisory lock. On failure the store's
   * own pool is ended, so open may be tried again.
   * @throws {@link StoreDriverMissingError} when `pg` is not installed (own pool only)
   * @throws {@link StoreFormatError} when the schema holds another application's tables
   * @throws {@link StoreSchemaVersionError} when a newer Rewind wrote the schema
   * @throws {@link StoreUnavailableError} when the server cannot be reached (see `retryable`)
   */
  async open(context: StoreOpenContext): Promise<void> {
    const own = this.#options.pool === undefined;
    const pool = this.#options.pool ?? this.#makePool();
    // An idle connection that dies (a server restart, pg_terminate_backend) makes the pool
    // emit `error`; without a listener that crashes the process. The pool has already
    // dropped the connection and the next borrow opens a fresh one, so there is nothing to do.
    const onIdleError = (): void => {};
    pool.on('error', onIdleError);
    const connections = new PgConnections(pool, () => this.#url);
    try {
      await migrate(connections, this.#names, this.#url, this.#migrationLockTimeoutMs);
      const setting = await connections.run('open', (client) => client.query("SELECT current_setting('synchronous_commit') AS s"));
      connections.forceSyncCommit((setting.rows[0] as { s: string } | undefined)?.s === 'off');
      const listener = new WorkListener(pool, this.#names.channel);
      this.#state = { pool, onIdleError, names: this.#names, connections, commitMode: commitMode(context.durability), listener };
    } catch (error) {
      connections.dispose();
      pool.removeListener('error', onIdleError);
      if (own) await pool.end().catch(() => undefined);
      throw error;
    }
  }

  async appendBatch(requests: readonly AppendRequest[]): Promise<AppendOutcome[]> {
    const { connections, commitMode: mode, names } = this.#ready();
    if (!fitsOneStatement(requests)) {
      return connections.transaction('append', mode, (client) => appendInOpenTransaction(client, names, requests, connections.plans));
    }
    // One round trip, no BEGIN or COMMIT: the statement is its own transaction, and sets the
    // commit's durability for itself.
    const setting = connections.statementSetting(mode);
    const outcomes = await connections.run('append', (client) => appendInOneStatement(client, names, requests, connections.plans, setting));
    return settleRest(outcomes, requests, (rest) =>
      connections.transaction('append', mode, (client) => appendStepwise(client, names, rest, connections.plans)),
    );
  }

  async read(stream: string, range: ReadRange): Promise<StoredRecord[]> {
    const { connections, names } = this.#ready();
    const result = await connections.run('read', (client) =>
      client.query(
        prepared(
          `SELECT r.seq::text AS seq, r.type, r.data, (extract(epoch FROM r.at) * 1000)::int8::text AS at_ms, r.checksum::text AS checksum
             FROM ${names.records} r JOIN ${names.streams} s ON s.id = r.stream_id
            WHERE s.stream = $1 AND r.seq >= $2 ORDER BY r.seq LIMIT $3`,
          [stream, range.fromSeq, range.limit ?? null],
        ),
      ),
    );
    return (result.rows as PgRecordRow[]).map((row, i) =>
      decodeRecordRow(this.#url, stream, range.fromSeq + i, {
        seq: Number(row.seq),
        type: row.type,
        data: row.data,
        at: Number(row.at_ms),
        // Stored as a signed int4 (see pg-append.ts); `>>> 0` reads it back as the unsigned sum.
        checksum: Number(row.checksum) >>> 0,
      }),
    );
  }

  async listStreams(filter: StreamFilter): Promise<StreamInfo[]> {
    const { connections, names } = this.#ready();
    const columns = `stream, last_seq::text AS last_seq, (extract(epoch FROM updated_at) * 1000)::int8::text AS updated_ms FROM ${names.streams}`;
    // LIKE on a COLLATE "C" column: literal once escaped, and served by the unique index
    // as a range scan (the planner turns a fixed prefix into >= and < bounds).
    const result = await connections.run('list streams', (client) =>
      filter.prefix === undefined
        ? client.query(`SELECT ${columns} ORDER BY stream`)
        : client.query(`SELECT ${columns} WHERE stream LIKE $1 ORDER BY stream`, [likePrefix(filter.prefix)]),
    );
    return (result.rows as StreamRow[]).map((row) => ({
      stream: row.stream,
      lastSeq: Number(row.last_seq),
      updatedAt: new Date(Number(row.updated_ms)),
    }));
  }

  /**
   * Forces the server's WAL to disk, so every commit acknowledged so far survives a server
   * crash: the `interval` policy's periodic sync. A transaction that takes a transaction id
   * and commits with `synchronous_commit` on flushes the WAL up to its commit record, which
   * covers every asynchronous commit before it.
   */
  async sync(): Promise<void> {
    const { connections } = this.#ready();
    await connections.run('sync', async (client) => {
      await client.query('BEGIN; SET LOCAL synchronous_commit = on; SELECT txid_current(); COMMIT');
    });
  }

  async close(): Promise<void> {
    const state = this.#state;
    this.#state = undefined;
    if (state === undefined) return;
    state.listener.close();
    state.connections.dispose();
    state.pool.removeListener('error', state.onIdleError);
    if (this.#options.pool === undefined) await state.pool.end();
  }

  #makePool(): PgPool {
    const { Pool } = loadDriver('pg') as PgModule;
    return new Pool({
      connectionString: this.#options.connectionString as string,
      application_name: this.#options.applicationName ?? 'rewind',
      max: this.#maxConnections,
    });
  }

  #ready(): OpenState {
    if (this.#state === undefined) throw new TypeError(`The store ${this.#url} is not open; open it through openStore().`);
    return this.#state;
  }
}
