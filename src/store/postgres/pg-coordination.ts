/**
 * Leases on PostgreSQL: claim, renew and release as one statement each, and appends that
 * commit together with the caller's own writes.
 *
 * A lease is a work row's `owner`, `token` and `expires_at`. Claiming raises the token, so
 * the fence check of an append (token and owner must still match, under a row lock) refuses
 * a worker that was paused past its lease while another took the stream over. Every time
 * is the database's (`statement_timestamp()`), so workers on machines with skewed clocks
 * still agree on who holds what.
 *
 * @module
 */
import type { AppendOutcome, EncodedRecord, StoreCoordination } from '../contract.js';
import type { ClaimOptions, Lease, RenewResult, TransactionClient, WorkEntry, WorkUpdate } from '../coordination.js';
import type { Disposable } from '../../internal/event.js';
import { appendInOpenTransaction } from './pg-append.js';
import type { CommitMode, PgConnections } from './pg-connection.js';
import type { PgPoolClient } from './pg-driver-types.js';
import type { WorkListener } from './pg-listener.js';
import { prepared } from './pg-prepared.js';
import type { PgNames } from './pg-names.js';
import { LEASE_COLUMNS, toLease, type LeaseRow } from './pg-work-write.js';

/** What the coordination needs from its open store. */
export interface PgCoordinationContext {
  readonly names: PgNames;
  readonly connections: PgConnections;
  readonly commitMode: CommitMode;
  readonly listener: WorkListener;
}

/** A `LIKE` pattern matching the names that start with `prefix`, literally (`%`, `_` and `\` escaped). */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The leases of `leases` still held (same owner and token), locked in name order, as a CTE body. */
function heldLeases(names: PgNames): string {
  return `SELECT w.stream FROM ${names.work} AS w
            JOIN unnest($1::text[], $2::text[], $3::int8[]) AS v(stream, owner, token)
              ON w.stream = v.stream AND w.owner = v.owner AND w.token = v.token
           ORDER BY w.stream FOR UPDATE OF w`;
}

function leaseParams(leases: readonly Lease[]): unknown[] {
  return [leases.map((l) => l.stream), leases.map((l) => l.owner), leases.map((l) => l.token)];
}

/** A row of {@link PgCoordination.inspect}: the lease's columns, null when no one holds the stream. */
interface WorkRow {
  readonly stream: string;
  readonly owner: string | null;
  readonly token: string;
  readonly expires_ms: string | null;
  readonly state: 'open' | 'done';
  readonly due_at: Date | null;
  readonly read_at: Date;
}

/** How an `appendInTransaction` attempt ended: with an outcome (committed only if `appended`), or with `build` throwing. */
type Attempt = { readonly outcome: AppendOutcome } | { readonly buildError: unknown };

/**
 * The {@link StoreCoordination} of a PostgreSQL store. Created at open; `context()` returns
 * the open store's state, or throws when it is not open.
 */
export class PgCoordination implements StoreCoordination {
  readonly #context: () => PgCoordinationContext;

  constructor(context: () => PgCoordinationContext) {
    this.#context = context;
  }

  async claim(options: ClaimOptions): Promise<Lease[]> {
    const { names, connections } = this.#context();
    // Rows another worker is claiming right now are skipped, not waited on; the partial
    // index on claimable_at reads only rows that are open, due and not held.
    const sql = `WITH picked AS (
        SELECT stream FROM ${names.work}
         WHERE claimable_at <= statement_timestamp() AND stream LIKE $1 AND stream <> ALL($5::text[])
         ORDER BY claimable_at LIMIT $2
           FOR UPDATE SKIP LOCKED
      )
      UPDATE ${names.work} AS w
         SET owner = $3, token = w.token + 1, expires_at = statement_timestamp() + $4 * interval '1 millisecond'
        FROM picked WHERE w.stream = picked.stream
      RETURNING ${LEASE_COLUMNS}`;
    const result = await connections.run('claim', (client) =>
      client.query(prepared(sql, [likePrefix(options.prefix), options.limit, options.owner, options.ttlMs, options.exclude ?? []])),
    );
    return (result.rows as LeaseRow[]).map(toLease);
  }

  async renew(leases: readonly Lease[], ttlMs: number): Promise<RenewResult> {
    const { names, connections } = this.#context();
    const sql = `WITH held AS (${heldLeases(names)})
      UPDATE ${names.work} AS w SET expires_at = statement_timestamp() + $4 * interval '1 millisecond'
        FROM held WHERE w.stream = held.stream
      RETURNING ${LEASE_COLUMNS}`;
    const result = await connections.run('renew leases', (client) => client.query(prepared(sql, [...leaseParams(leases), ttlMs])));
    const renewed = (result.rows as LeaseRow[]).map(toLease);
    const kept = new Set(renewed.map((l) => l.stream));
    return { renewed, lost: leases.filter((l) => !kept.has(l.stream)).map((l) => l.stream) };
  }

  async release(leases: readonly Lease[]): Promise<void> {
    const { names, connections } = this.#context();
    // The token stays: the next claim raises it, which is what fences the releaser. The
    // wake-up goes out with the commit, only if a released stream is still work to do.
    const sql = `WITH held AS (${heldLeases(names)}),
      released AS (
        UPDATE ${names.work} AS w SET owner = NULL, expires_at = NULL
          FROM held WHERE w.stream = held.stream
        RETURNING w.state
      )
      SELECT pg_notify($4, '') FROM (SELECT 1 FROM released WHERE state = 'open' LIMIT 1) AS open_work`;
    await connections.run('release leases', (client) => client.query(prepared(sql, [...leaseParams(leases), names.channel])));
  }

  async finish(leases: readonly Lease[]): Promise<void> {
    const { names, connections } = this.#context();
    const sql = `WITH held AS (${heldLeases(names)})
      UPDATE ${names.work} AS w SET state = 'done', due_at = NULL, owner = NULL, expires_at = NULL
        FROM held WHERE w.stream = held.stream`;
    await connections.run('finish work', (client) => client.query(prepared(sql, leaseParams(leases))));
  }

  onWork(listener: (stream: string | undefined) => void): Disposable {
    return this.#context().listener.subscribe(listener);
  }

  async inspect(streams: readonly string[]): Promise<WorkEntry[]> {
    const { names, connections } = this.#context();
    // The lease's columns as claims return them, so both give the same expiry to the ms.
    const sql = `SELECT ${LEASE_COLUMNS}, w.state, w.due_at, statement_timestamp() AS read_at
      FROM ${names.work} AS w WHERE w.stream = ANY($1::text[]) ORDER BY w.stream`;
    const result = await connections.run('inspect work', (client) => client.query(prepared(sql, [streams])));
    return (result.rows as WorkRow[]).map((row) => ({
      stream: row.stream,
      state: row.state,
      lease: row.owner === null || row.expires_ms === null ? undefined : toLease(row as LeaseRow),
      token: Number(row.token),
      dueAt: row.due_at ?? undefined,
      readAt: row.read_at,
    }));
  }

  async appendInTransaction(
    stream: string,
    build: (tx: TransactionClient) => Promise<{ readonly records: readonly EncodedRecord[]; readonly work: WorkUpdate | undefined }>,
    options: { readonly expectedSeq: number | undefined; readonly lease: Lease | undefined },
  ): Promise<AppendOutcome> {
    const { names, connections, commitMode } = this.#context();
    const attempt = await connections.transaction<Attempt>(
      'append in a transaction',
      commitMode,
      async (client) => {
        const tx = new ScopedTransaction(client, stream);
        let built: { readonly records: readonly EncodedRecord[]; readonly work: WorkUpdate | undefined };
        try {
          built = await build(tx);
        } catch (error) {
          // Returned, not thrown: the caller's error goes back to it untouched, not through
          // the store's classification of driver errors.
          return { buildError: error };
        } finally {
          tx.end();
        }
        const [outcome] = await appendInOpenTransaction(
          client,
          names,
          [{ stream, records: built.records, expectedSeq: options.expectedSeq, lease: options.lease, work: built.work, at: new Date() }],
          connections.plans,
        );
        return { outcome: outcome as AppendOutcome };
      },
      // A conflict, a fenced lease or a failed build rolls back what build wrote.
      (result) => 'outcome' in result && result.outcome.status === 'appended',
    );
    if ('buildError' in attempt) throw attempt.buildError;
    return attempt.outcome;
  }
}

/**
 * The transaction as `build` sees it: queries go to the transaction's connection until
 * `build` returns; a query after that (a step that kept `tx` around) is refused rather
 * than run outside the transaction, or inside someone else's.
 */
class ScopedTransaction implements TransactionClient {
  readonly #client: PgPoolClient;
  readonly #stream: string;
  #ended = false;

  constructor(client: PgPoolClient, stream: string) {
    this.#client = client;
    this.#stream = stream;
  }

  async query<Row = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number | null }> {
    if (this.#ended) {
      throw new TypeError(
        `The transaction of appendInTransaction on stream "${this.#stream}" has ended; use tx only inside build, before it returns.`,
      );
    }
    const result = await this.#client.query(text, values === undefined ? undefined : [...values]);
    return { rows: result.rows as Row[], rowCount: result.rowCount };
  }

  end(): void {
    this.#ended = true;
  }
}
