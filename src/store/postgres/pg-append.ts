/**
 * The write path of the PostgreSQL store: a batch of appends inside a transaction the
 * caller opened, with a fixed number of statements however many appends the batch holds
 * (one, for the batches `pg-append-one.ts` takes).
 *
 * Several processes may append to one stream at once, so the stream rows a batch touches
 * are locked (`FOR UPDATE ... ORDER BY stream`: every batch locks in the same order, so
 * two batches never wait on each other in a cycle) before their last seq is read; the seqs are then assigned in JavaScript, and all
 * the records of the batch go in with one `INSERT ... SELECT FROM unnest(...)`.
 *
 * @module
 */
import { recordChecksum } from '../checksum.js';
import type { AppendOutcome, AppendRequest } from '../contract.js';
import type { Lease } from '../coordination.js';
import type { PgPoolClient } from './pg-driver-types.js';
import type { PgNames } from './pg-names.js';
import type { StreamIdSink } from './pg-plan-refresh.js';
import { appendInOneStatement, fitsOneStatement, MAX_PAYLOAD_BYTES } from './pg-append-one.js';
import { prepared } from './pg-prepared.js';
import { writeWork, type WorkRow } from './pg-work-write.js';

/** A stream's row as the batch knows it. */
interface StreamState {
  /** Its `rewind_streams.id` (int8, kept as text), or `undefined` while it does not exist. */
  id: string | undefined;
  /** Its last seq, counting the appends of the batch planned so far. */
  lastSeq: number;
  /** The last seq its row holds now. */
  readonly storedSeq: number;
  /** True when this batch created the row (removed again if no append to it succeeds). */
  readonly created: boolean;
  /** The commit time of its latest append in the batch, for `updated_at`. */
  at: Date | undefined;
}

/**
 * Appends `requests` in the transaction open on `client`, in order (a request sees those
 * before it), and returns one outcome per request. A request whose `expectedSeq` does not
 * match, or whose lease is not current, writes nothing. When an append opens work others may
 * claim, the wake-up (`NOTIFY`, naming the stream) goes out with the transaction, so only if
 * it commits. A batch that fits one statement goes in one (`pg-append-one.ts`). The ids of
 * the streams it locks or makes go to `ids`. Throws the driver's error, unclassified; the
 * caller rolls back.
 */
export async function appendInOpenTransaction(
  client: PgPoolClient,
  names: PgNames,
  requests: readonly AppendRequest[],
  ids: StreamIdSink,
): Promise<AppendOutcome[]> {
  if (!fitsOneStatement(requests)) return appendStepwise(client, names, requests, ids);
  return settleRest(await appendInOneStatement(client, names, requests, ids), requests, (rest) => appendStepwise(client, names, rest, ids));
}

/**
 * Completes the outcomes of a one-statement append: the requests it left (`undefined`)
 * go through `stepwise`, in their order. They are on streams of their own, so writing them
 * after the others changes no outcome.
 */
export async function settleRest(
  outcomes: readonly (AppendOutcome | undefined)[],
  requests: readonly AppendRequest[],
  stepwise: (rest: AppendRequest[]) => Promise<AppendOutcome[]>,
): Promise<AppendOutcome[]> {
  const left = requests.flatMap((request, i) => (outcomes[i] === undefined ? [{ request, i }] : []));
  const settled = [...outcomes];
  if (left.length > 0) {
    const more = await stepwise(left.map((l) => l.request));
    left.forEach((l, k) => (settled[l.i] = more[k]));
  }
  return settled as AppendOutcome[];
}

/**
 * The general write path: any batch, in a few statements however many appends it holds,
 * with the seqs of requests without `expectedSeq` read under the stream locks. The ids of
 * the streams it locks or makes go to `ids`.
 */
export async function appendStepwise(
  client: PgPoolClient,
  names: PgNames,
  requests: readonly AppendRequest[],
  ids: StreamIdSink,
): Promise<AppendOutcome[]> {
  const streams = await lockStreams(client, names, requests);
  for (const { id } of streams.values()) ids.saw(id ?? null);
  const work = await lockWork(client, names, requests);
  const rows = new RecordRows();
  const outcomes = requests.map((request) => plan(request, streams, work, rows));
  if (rows.size > 0) {
    await client.query(
      prepared(
        `INSERT INTO ${names.records} (stream_id, seq, type, data, at, checksum)
         SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], $5::timestamptz[], $6::int4[])`,
        rows.columns(),
      ),
    );
  }
  await saveStreams(client, names, streams);
  const leases = await writeWork(client, names, requests, outcomes);
  const opened = requests.filter((r, i) => r.work?.state === 'open' && r.work.claimFor === undefined && outcomes[i]?.status === 'appended');
  if (opened.length > 0) {
    await client.query(
      prepared(`SELECT pg_notify($1, CASE WHEN octet_length(s) <= ${MAX_PAYLOAD_BYTES} THEN s ELSE '' END) FROM unnest($2::text[]) AS s`, [
        names.channel,
        [...new Set(opened.map((r) => r.stream))],
      ]),
    );
  }
  return outcomes.map((outcome, i) => {
    const lease = leases.get(i);
    return lease === undefined || outcome.status !== 'appended' ? outcome : { ...outcome, lease };
  });
}

/** The records of a batch as the six columns `unnest` takes. */
class RecordRows {
  readonly #ids: string[] = [];
  readonly #seqs: number[] = [];
  readonly #types: string[] = [];
  readonly #data: (string | null)[] = [];
  readonly #ats: Date[] = [];
  readonly #checksums: number[] = [];

  get size(): number {
    return this.#ids.length;
  }

  push(id: string, stream: string, seq: number, type: string, data: string | undefined, at: Date): void {
    this.#ids.push(id);
    this.#seqs.push(seq);
    this.#types.push(type);
    this.#data.push(data ?? null);
    this.#ats.push(at);
    // The column is a signed int4; `| 0` stores the unsigned sum's bits, and reads undo it.
    this.#checksums.push(recordChecksum(stream, seq, type, data, at.getTime()) | 0);
  }

  columns(): unknown[] {
    return [this.#ids, this.#seqs, this.#types, this.#data, this.#ats, this.#checksums];
  }
}

/**
 * Locks the row of every stream the batch appends to, creating the rows of new streams
 * that some request may start (`expectedSeq` left out or 0); returns them by name.
 */
async function lockStreams(client: PgPoolClient, names: PgNames, requests: readonly AppendRequest[]): Promise<Map<string, StreamState>> {
  const all = [...new Set(requests.map((r) => r.stream))];
  const states = new Map<string, StreamState>();
  const select = `SELECT id::text AS id, stream, last_seq FROM ${names.streams} WHERE stream = ANY($1::text[]) ORDER BY stream FOR UPDATE`;
  const load = async (wanted: string[], created: boolean): Promise<void> => {
    const result = await client.query(prepared(select, [wanted]));
    for (const row of result.rows as { id: string; stream: string; last_seq: unknown }[]) {
      const lastSeq = Number(row.last_seq);
      states.set(row.stream, { id: row.id, lastSeq, storedSeq: lastSeq, created, at: undefined });
    }
  };
  await load(all, false);
  const startable = new Set(requests.filter((r) => r.expectedSeq === undefined || r.expectedSeq === 0).map((r) => r.stream));
  const create = all.filter((stream) => !states.has(stream) && startable.has(stream));
  if (create.length > 0) {
    // In name order, so two batches creating the same streams wait on each other in one
    // direction only. A stream another process created first is skipped here (after
    // waiting for its transaction) and locked by the second look below.
    const inserted = await client.query(
      prepared(
        `INSERT INTO ${names.streams} (stream, last_seq, updated_at)
         SELECT s, 0, now() FROM unnest($1::text[]) AS s ORDER BY s COLLATE "C"
         ON CONFLICT (stream) DO NOTHING RETURNING id::text AS id, stream`,
        [create],
      ),
    );
    for (const row of inserted.rows as { id: string; stream: string }[]) {
      states.set(row.stream, { id: row.id, lastSeq: 0, storedSeq: 0, created: true, at: undefined });
    }
    const raced = create.filter((stream) => !states.has(stream));
    if (raced.length > 0) await load(raced, false);
  }
  for (const stream of all) {
    if (!states.has(stream)) states.set(stream, { id: undefined, lastSeq: 0, storedSeq: 0, created: false, at: undefined });
  }
  return states;
}

/** The fencing state of a stream: its current token and holder. */
interface WorkState {
  token: number;
  owner: string | null;
}

/** Locks the work rows of the streams the batch appends to with a lease, for the fence check. */
async function lockWork(client: PgPoolClient, names: PgNames, requests: readonly AppendRequest[]): Promise<Map<string, WorkState>> {
  const states = new Map<string, WorkState>();
  const fenced = [...new Set(requests.filter((r) => r.lease !== undefined).map((r) => r.stream))];
  if (fenced.length === 0) return states;
  const result = await client.query(
    prepared(`SELECT stream, token::text AS token, owner FROM ${names.work} WHERE stream = ANY($1::text[]) ORDER BY stream FOR UPDATE`, [fenced]),
  );
  for (const row of result.rows as WorkRow[]) states.set(row.stream, { token: Number(row.token), owner: row.owner });
  return states;
}

/** Checks one request against its stream and lease, numbers its records and queues their rows. */
function plan(request: AppendRequest, streams: Map<string, StreamState>, work: Map<string, WorkState>, rows: RecordRows): AppendOutcome {
  const { stream, records, expectedSeq, lease } = request;
  const state = streams.get(stream) as StreamState;
  if (lease !== undefined) {
    const current = work.get(stream);
    if (!holds(current, lease)) return { status: 'fenced', currentToken: current?.token ?? 0, owner: current?.owner ?? null };
  }
  if (expectedSeq !== undefined && expectedSeq !== state.lastSeq) return { status: 'conflict', actualSeq: state.lastSeq };
  if (state.id === undefined) {
    // Only a request that must conflict reaches here (the stream was not created because no
    // request could start it), and it returned above; this guards the invariant.
    throw new TypeError(`Stream "${stream}" has no row to append to.`);
  }
  const first = state.lastSeq + 1;
  let seq = first;
  for (const record of records) rows.push(state.id, stream, seq++, record.type, record.data, request.at);
  state.lastSeq = seq - 1;
  state.at = request.at;
  if (request.work?.state === 'open' && request.work.claimFor !== undefined) {
    // The claim raises the token; a later request of this batch with the new lease passes.
    const previous = work.get(stream);
    work.set(stream, { token: (previous?.token ?? 0) + 1, owner: request.work.claimFor.owner });
  }
  return { status: 'appended', firstSeq: first, lastSeq: state.lastSeq };
}

function holds(current: WorkState | undefined, lease: Lease): boolean {
  return current !== undefined && current.token === lease.token && current.owner === lease.owner;
}

/** Writes the new last seqs, and removes rows this batch created for streams it did not append to. */
async function saveStreams(client: PgPoolClient, names: PgNames, streams: Map<string, StreamState>): Promise<void> {
  const ids: string[] = [];
  const lastSeqs: number[] = [];
  const ats: Date[] = [];
  const unused: string[] = [];
  for (const state of streams.values()) {
    if (state.id === undefined) continue;
    if (state.at !== undefined) {
      ids.push(state.id);
      lastSeqs.push(state.lastSeq);
      ats.push(state.at);
    } else if (state.created) {
      unused.push(state.id);
    }
  }
  if (ids.length > 0) {
    await client.query(
      prepared(
        `UPDATE ${names.streams} AS s SET last_seq = v.last_seq, updated_at = v.at
           FROM unnest($1::int8[], $2::int8[], $3::timestamptz[]) AS v(id, last_seq, at) WHERE s.id = v.id`,
        [ids, lastSeqs, ats],
      ),
    );
  }
  if (unused.length > 0) await client.query(`DELETE FROM ${names.streams} WHERE id = ANY($1::int8[])`, [unused]);
}
