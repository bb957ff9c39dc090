/**
 * Writing the work entries that appends change (`AppendOptions.work`), in the append's
 * transaction: at most two statements per batch, whatever it holds.
 *
 * Lease times come from the database's clock (`clock_timestamp()`), never a worker's:
 * workers on several machines compare expiries against one clock, so a skewed machine
 * cannot take a lease early. `dueAt` is the caller's time, stored as given.
 *
 * @module
 */
import type { AppendOutcome, AppendRequest } from '../contract.js';
import type { Lease } from '../coordination.js';
import type { PgPoolClient } from './pg-driver-types.js';
import type { PgNames } from './pg-names.js';
import { prepared } from './pg-prepared.js';

/** A work row as the fence check reads it (int8 as text, so the pool's type parsers do not matter). */
export interface WorkRow {
  readonly stream: string;
  readonly token: string;
  readonly owner: string | null;
}

/** A lease as SQL returns it: `expires_ms` is epoch milliseconds, as text. */
export interface LeaseRow {
  readonly stream: string;
  readonly owner: string;
  readonly token: string;
  readonly expires_ms: string;
}

/** The SQL that returns a lease row from a work table aliased `w`. */
export const LEASE_COLUMNS = "w.stream, w.token::text AS token, w.owner, (extract(epoch FROM w.expires_at) * 1000)::int8::text AS expires_ms";

/** Builds the {@link Lease} a row describes. */
export function toLease(row: LeaseRow): Lease {
  return { stream: row.stream, owner: row.owner, token: Number(row.token), expiresAt: new Date(Number(row.expires_ms)) };
}

interface Claim {
  readonly index: number;
  readonly stream: string;
  readonly owner: string;
  readonly ttlMs: number;
  readonly dueAt: Date | null;
}

/**
 * Applies the work updates of the appended requests: claims (`claimFor`) first, then, per
 * stream, the last plain `open`/`done` update. A stream gets at most one claim per batch
 * (a claim needs `expectedSeq: 0`, which only one append to a stream can satisfy), and a
 * claim followed by a plain update in the same batch keeps its lease and takes the update.
 * @returns the lease each claiming request took, by request index
 */
export async function writeWork(
  client: PgPoolClient,
  names: PgNames,
  requests: readonly AppendRequest[],
  outcomes: readonly AppendOutcome[],
): Promise<Map<number, Lease>> {
  const claims: Claim[] = [];
  const updates = new Map<string, { state: 'open' | 'done'; dueAt: Date | null }>();
  requests.forEach((request, index) => {
    const work = request.work;
    if (work === undefined || outcomes[index]?.status !== 'appended') return;
    if (work.state === 'open' && work.claimFor !== undefined) {
      claims.push({ index, stream: request.stream, owner: work.claimFor.owner, ttlMs: work.claimFor.ttlMs, dueAt: work.dueAt ?? null });
      updates.delete(request.stream);
    } else {
      updates.set(request.stream, { state: work.state, dueAt: work.state === 'open' ? (work.dueAt ?? null) : null });
    }
  });
  const leases = new Map<number, Lease>();
  if (claims.length > 0) {
    // A work row cannot exist for a stream that did not (claims need a new stream), but if
    // one does, the claim supersedes it with a higher token, as `claim` would.
    const result = await client.query(
      prepared(
        `INSERT INTO ${names.work} AS w (stream, state, due_at, owner, token, expires_at)
         SELECT v.stream, 'open', COALESCE(v.due_at, clock_timestamp()), v.owner, 1, clock_timestamp() + v.ttl_ms * interval '1 millisecond'
           FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::int8[]) AS v(stream, due_at, owner, ttl_ms)
          ORDER BY v.stream COLLATE "C"
         ON CONFLICT (stream) DO UPDATE SET state = 'open', due_at = excluded.due_at, owner = excluded.owner,
            token = w.token + 1, expires_at = excluded.expires_at
         RETURNING ${LEASE_COLUMNS}`,
        [claims.map((c) => c.stream), claims.map((c) => c.dueAt), claims.map((c) => c.owner), claims.map((c) => c.ttlMs)],
      ),
    );
    const byStream = new Map((result.rows as LeaseRow[]).map((row) => [row.stream, toLease(row)]));
    for (const claim of claims) {
      const lease = byStream.get(claim.stream);
      if (lease !== undefined) leases.set(claim.index, lease);
    }
  }
  if (updates.size > 0) {
    const streams = [...updates.keys()];
    const entries = [...updates.values()];
    // Opening leaves the lease alone: a holder that schedules its own retry keeps the stream
    // until it releases it (or the lease lapses). Done ends it: no one holds finished work,
    // and work reopened later (a revert) must be claimable at once, not when a lease the
    // finishing worker no longer renews lapses. The token stays, so the old holder is fenced.
    await client.query(
      prepared(
        `INSERT INTO ${names.work} AS w (stream, state, due_at)
         SELECT v.stream, v.state, CASE WHEN v.state = 'open' THEN COALESCE(v.due_at, clock_timestamp()) END
           FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS v(stream, state, due_at)
          ORDER BY v.stream COLLATE "C"
         ON CONFLICT (stream) DO UPDATE SET state = excluded.state, due_at = excluded.due_at,
            owner = CASE WHEN excluded.state = 'done' THEN NULL ELSE w.owner END,
            expires_at = CASE WHEN excluded.state = 'done' THEN NULL ELSE w.expires_at END`,
        [streams, entries.map((e) => e.state), entries.map((e) => e.dueAt)],
      ),
    );
  }
  return leases;
}
