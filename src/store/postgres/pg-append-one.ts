/**
 * The one-round-trip append: a batch in which every request names its `expectedSeq` and
 * no two share a stream (what the saga engine sends) is checked and written by one
 * statement, which sets the commit's durability for itself (`set_config(..., true)`), so it
 * needs no `BEGIN` or `COMMIT`. The stepwise path (`pg-append.ts`) needs six round trips
 * for the same batch, each a wake-up of the server process and of the worker; on a small
 * batch those cost more server CPU than the rows themselves, and the worker waits through
 * all of them.
 *
 * Each request's seqs follow from its `expectedSeq`, so they (and the checksums over them)
 * are computed here before the statement, which only has to confirm, under the same row
 * locks as the stepwise path, that each expectation and lease still holds. Requests are
 * independent (distinct streams), so each one is written or refused on its own. One case
 * is left to the stepwise path: a new stream another transaction created first (or a lease
 * on a stream that does not exist, which the invariants rule out); the statement writes
 * nothing for it and returns no outcome.
 *
 * Lock order is the stepwise path's: the existing stream rows first, then new stream rows,
 * then work rows, each set in name order. The work lock reads its streams from the stream
 * lock (a request with a lease needs an existing stream), so it cannot run before it.
 *
 * @module
 */
import { recordChecksum } from '../checksum.js';
import type { AppendOutcome, AppendRequest } from '../contract.js';
import type { PgPoolClient } from './pg-driver-types.js';
import type { PgNames } from './pg-names.js';
import type { StreamIdSink } from './pg-plan-refresh.js';
import { prepared } from './pg-prepared.js';
import { toLease } from './pg-work-write.js';

/** True when {@link appendInOneStatement} can take the batch: every request has `expectedSeq`, no two share a stream. */
export function fitsOneStatement(requests: readonly AppendRequest[]): boolean {
  const streams = new Set<string>();
  for (const request of requests) {
    if (request.expectedSeq === undefined || streams.has(request.stream)) return false;
    streams.add(request.stream);
  }
  return true;
}

/** A request's row of the statement's result. */
interface VerdictRow {
  readonly i: string;
  readonly id: string | null;
  readonly status: 'appended' | 'conflict' | 'fenced' | 'raced';
  readonly actual_seq: string;
  readonly current_token: string | null;
  readonly current_owner: string | null;
  readonly stream: string;
  readonly owner: string | null;
  readonly token: string | null;
  readonly expires_ms: string | null;
}

/**
 * The longest stream name a wake-up carries: PostgreSQL refuses a payload of 8000 bytes or
 * more, and the append must not fail for a long name; a longer one wakes without it.
 */
export const MAX_PAYLOAD_BYTES = 7999;

function statement(names: PgNames): string {
  return `WITH req AS MATERIALIZED (
      SELECT * FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::timestamptz[], $6::int8[],
                           $7::text[], $8::timestamptz[], $9::text[], $10::int8[])
        WITH ORDINALITY AS r(stream, expected, token, owner, at, n, work_state, due_at, claim_owner, ttl_ms, i)
       -- Every other part reads req, so the setting is made before anything is written.
       WHERE CASE WHEN $17::text IS NULL THEN true ELSE set_config('synchronous_commit', $17::text, true) IS NOT NULL END
    ),
    locked AS MATERIALIZED (
      SELECT id, stream, last_seq FROM ${names.streams} WHERE stream = ANY($1::text[]) ORDER BY stream FOR UPDATE
    ),
    created AS (
      INSERT INTO ${names.streams} (stream, last_seq, updated_at)
      SELECT r.stream, r.n, r.at FROM req r
       WHERE r.expected = 0 AND r.token IS NULL AND NOT EXISTS (SELECT 1 FROM locked l WHERE l.stream = r.stream)
       ORDER BY r.stream COLLATE "C"
      ON CONFLICT (stream) DO NOTHING
      RETURNING id, stream
    ),
    held AS MATERIALIZED (
      SELECT stream, token, owner FROM ${names.work}
       WHERE stream = ANY(ARRAY(SELECT l.stream FROM locked l JOIN req r ON r.stream = l.stream WHERE r.token IS NOT NULL))
         AND (SELECT count(*) FROM created) >= 0
       ORDER BY stream FOR UPDATE
    ),
    verdict AS MATERIALIZED (
      SELECT r.*, COALESCE(l.id, c.id) AS id, l.id IS NULL AS is_new, COALESCE(l.last_seq, 0) AS actual_seq,
             h.token AS current_token, h.owner AS current_owner,
             CASE
               WHEN r.token IS NOT NULL AND l.id IS NULL THEN 'raced'
               WHEN r.token IS NOT NULL AND (h.token IS DISTINCT FROM r.token OR h.owner IS DISTINCT FROM r.owner) THEN 'fenced'
               WHEN COALESCE(l.last_seq, 0) <> r.expected THEN 'conflict'
               WHEN l.id IS NULL AND c.id IS NULL THEN 'raced'
               ELSE 'appended'
             END AS status
        FROM req r LEFT JOIN locked l ON l.stream = r.stream LEFT JOIN created c ON c.stream = r.stream
             LEFT JOIN held h ON h.stream = r.stream
    ),
    inserted AS (
      INSERT INTO ${names.records} (stream_id, seq, type, data, at, checksum)
      SELECT v.id, x.seq, x.type, x.data, v.at, x.checksum
        FROM unnest($11::int8[], $12::int8[], $13::text[], $14::text[], $15::int4[]) AS x(i, seq, type, data, checksum)
        JOIN verdict v ON v.i = x.i AND v.status = 'appended'
    ),
    moved AS (
      UPDATE ${names.streams} AS s SET last_seq = v.expected + v.n, updated_at = v.at
        FROM verdict v WHERE s.id = v.id AND v.status = 'appended' AND NOT v.is_new
    ),
    worked AS (
      INSERT INTO ${names.work} AS w (stream, state, due_at, owner, token, expires_at)
      SELECT v.stream, v.work_state, CASE WHEN v.work_state = 'open' THEN COALESCE(v.due_at, clock_timestamp()) END,
             v.claim_owner, CASE WHEN v.claim_owner IS NULL THEN 0 ELSE 1 END,
             CASE WHEN v.claim_owner IS NOT NULL THEN clock_timestamp() + v.ttl_ms * interval '1 millisecond' END
        FROM verdict v WHERE v.status = 'appended' AND v.work_state IS NOT NULL
       ORDER BY v.stream COLLATE "C"
      ON CONFLICT (stream) DO UPDATE SET state = excluded.state, due_at = excluded.due_at,
         owner = CASE WHEN excluded.owner IS NOT NULL THEN excluded.owner WHEN excluded.state = 'done' THEN NULL ELSE w.owner END,
         token = CASE WHEN excluded.owner IS NOT NULL THEN w.token + 1 ELSE w.token END,
         expires_at = CASE WHEN excluded.owner IS NOT NULL THEN excluded.expires_at WHEN excluded.state = 'done' THEN NULL ELSE w.expires_at END
      RETURNING w.stream, w.owner, w.token::text AS token, (extract(epoch FROM w.expires_at) * 1000)::int8::text AS expires_ms
    ),
    woken AS (
      SELECT pg_notify($16, CASE WHEN octet_length(v.stream) <= ${MAX_PAYLOAD_BYTES} THEN v.stream ELSE '' END) FROM verdict v
       WHERE v.status = 'appended' AND v.work_state = 'open' AND v.claim_owner IS NULL
    )
    SELECT v.i::text AS i, v.id::text AS id, v.status, v.actual_seq::text AS actual_seq, v.current_token::text AS current_token, v.current_owner,
           v.stream, k.owner, k.token, k.expires_ms
      FROM verdict v LEFT JOIN worked k ON k.stream = v.stream AND v.claim_owner IS NOT NULL
     WHERE (SELECT count(*) FROM woken) >= 0
     ORDER BY v.i`;
}

/** The statement's parameters: one row per request, one per record. */
function parameters(names: PgNames, requests: readonly AppendRequest[], synchronousCommit: 'on' | 'off' | undefined): unknown[] {
  const recordIndex: number[] = [];
  const seqs: number[] = [];
  const types: string[] = [];
  const data: (string | null)[] = [];
  const checksums: number[] = [];
  requests.forEach((request, index) => {
    let seq = request.expectedSeq as number;
    const atMs = request.at.getTime();
    for (const record of request.records) {
      seq++;
      recordIndex.push(index + 1);
      seqs.push(seq);
      types.push(record.type);
      data.push(record.data ?? null);
      // The column is a signed int4; `| 0` stores the unsigned sum's bits, and reads undo it.
      checksums.push(recordChecksum(request.stream, seq, record.type, record.data, atMs) | 0);
    }
  });
  const work = requests.map((r) => r.work);
  const claim = work.map((w) => (w?.state === 'open' ? w.claimFor : undefined));
  return [
    requests.map((r) => r.stream),
    requests.map((r) => r.expectedSeq),
    requests.map((r) => r.lease?.token ?? null),
    requests.map((r) => r.lease?.owner ?? null),
    requests.map((r) => r.at),
    requests.map((r) => r.records.length),
    work.map((w) => w?.state ?? null),
    work.map((w) => (w?.state === 'open' ? (w.dueAt ?? null) : null)),
    claim.map((c) => c?.owner ?? null),
    claim.map((c) => c?.ttlMs ?? null),
    recordIndex,
    seqs,
    types,
    data,
    checksums,
    names.channel,
    synchronousCommit ?? null,
  ];
}

/**
 * Appends a batch that {@link fitsOneStatement} in one statement on `client` (in a
 * transaction the caller opened, or committing on its own), with the stepwise path's
 * outcomes. An entry is `undefined` for a request the statement left to the stepwise path;
 * it wrote nothing for it. The ids of the streams it locked or made go to `ids`.
 * `synchronousCommit`, when given, is set for the statement's own transaction (only for a
 * statement that commits on its own). Throws the driver's error, unclassified.
 */
export async function appendInOneStatement(
  client: PgPoolClient,
  names: PgNames,
  requests: readonly AppendRequest[],
  ids: StreamIdSink,
  synchronousCommit?: 'on' | 'off',
): Promise<(AppendOutcome | undefined)[]> {
  const result = await client.query(prepared(statement(names), parameters(names, requests, synchronousCommit)));
  const outcomes = requests.map((): AppendOutcome | undefined => undefined);
  for (const row of result.rows as VerdictRow[]) {
    const index = Number(row.i) - 1;
    ids.saw(row.id);
    outcomes[index] = outcome(row, requests[index] as AppendRequest);
  }
  return outcomes;
}

function outcome(row: VerdictRow, request: AppendRequest): AppendOutcome | undefined {
  switch (row.status) {
    case 'raced':
      return undefined;
    case 'fenced':
      return { status: 'fenced', currentToken: row.current_token === null ? 0 : Number(row.current_token), owner: row.current_owner };
    case 'conflict':
      return { status: 'conflict', actualSeq: Number(row.actual_seq) };
    case 'appended': {
      const firstSeq = (request.expectedSeq as number) + 1;
      const appended = { status: 'appended', firstSeq, lastSeq: firstSeq + request.records.length - 1 } as const;
      if (row.token === null || row.owner === null || row.expires_ms === null) return appended;
      return { ...appended, lease: toLease({ stream: row.stream, owner: row.owner, token: row.token, expires_ms: row.expires_ms }) };
    }
  }
}
