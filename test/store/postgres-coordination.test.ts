/**
 * Coordination between workers on PostgreSQL: claims that skip held rows, leases with
 * fencing tokens, wake-ups, and appends that commit with the caller's own writes.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  FencedWriteError,
  JournalConflictError,
  openStore,
  type Journal,
  type JournalCoordination,
  type Lease,
  type WorkEntry,
} from '../../src/store/index.js';
import { adminPool, dropSchemas, freshSchema, noteSkipWithoutPg, PG_URL, pgUrlWithSchema } from '../helpers/pg.js';
import { until } from '../helpers/until.js';

noteSkipWithoutPg('test/store/postgres-coordination.test.ts');
afterAll(dropSchemas);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MINUTE = 60_000;

/** Opens `count` journals (separate pools, as separate workers would have) on one fresh schema. */
async function workers(count: number): Promise<{ journals: Journal[]; schema: string; close: () => Promise<void> }> {
  const schema = freshSchema('coord');
  const journals = await Promise.all(Array.from({ length: count }, () => openStore(pgUrlWithSchema(schema))));
  return { journals, schema, close: async () => void (await Promise.all(journals.map((j) => j.close()))) };
}

const coord = (journal: Journal): JournalCoordination => journal.coordination!;

/** Opens `n` streams of work named `<prefix><i>`, due at once (or at `dueAt`). */
async function openWork(journal: Journal, prefix: string, n: number, dueAt?: Date): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, (_, i) => journal.append(`${prefix}${i}`, [{ type: 'started' }], { expectedSeq: 0, work: { state: 'open', dueAt } })),
  );
}

describe.skipIf(!PG_URL)('PostgreSQL coordination', () => {
  it('two owners claiming concurrently never get the same stream, and each claim raises the token', async () => {
    const { journals, close } = await workers(2);
    await openWork(journals[0]!, 'run-', 40);
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) => coord(journals[i % 2]!).claim({ owner: `w${i % 2}`, prefix: 'run-', limit: 6, ttlMs: MINUTE })),
    );
    const streams = claims.flat().map((l) => l.stream);
    expect(new Set(streams).size).toBe(streams.length);
    expect(streams.length).toBe(40);
    for (const lease of claims.flat()) {
      expect(lease.token).toBe(1);
      expect(lease.expiresAt.getTime()).toBeGreaterThan(Date.now() + MINUTE - 10_000);
    }
    expect(await coord(journals[1]!).claim({ owner: 'w1', prefix: 'run-', limit: 10, ttlMs: MINUTE })).toEqual([]);
    await close();
  });

  it('claims only streams with the literal prefix', async () => {
    const { journals, close } = await workers(1);
    const j = journals[0]!;
    for (const s of ['a%1', 'ab1', 'a_1', 'b1']) await j.append(s, [{ type: 'x' }], { work: { state: 'open' } });
    const claimed = await coord(j).claim({ owner: 'w', prefix: 'a%', limit: 10, ttlMs: MINUTE });
    expect(claimed.map((l) => l.stream)).toEqual(['a%1']);
    expect((await coord(j).claim({ owner: 'w', prefix: '', limit: 10, ttlMs: MINUTE })).map((l) => l.stream).sort()).toEqual(['a_1', 'ab1', 'b1']);
    await close();
  });

  it('does not claim the streams it is asked to exclude, which stay claimable by others', async () => {
    const { journals, close } = await workers(1);
    const j = journals[0]!;
    await openWork(j, 'x-', 3);
    const claimed = await coord(j).claim({ owner: 'w', prefix: 'x-', limit: 10, ttlMs: MINUTE, exclude: ['x-0', 'x-2', 'elsewhere'] });
    expect(claimed.map((l) => l.stream)).toEqual(['x-1']);
    expect((await coord(j).claim({ owner: 'v', prefix: 'x-', limit: 10, ttlMs: MINUTE, exclude: [] })).map((l) => l.stream).sort()).toEqual(['x-0', 'x-2']);
    await close();
  });

  it('a lapsed lease can be claimed by another owner, with a higher token; the old holder is fenced and writes nothing', async () => {
    const { journals, close } = await workers(2);
    const [a, b] = [journals[0]!, journals[1]!];
    const created = await a.append('run-1', [{ type: 'started' }], { expectedSeq: 0, work: { state: 'open', claimFor: { owner: 'a', ttlMs: 150 } } });
    const stale = created.lease!;
    expect(stale).toMatchObject({ stream: 'run-1', owner: 'a', token: 1 });
    expect(await coord(b).claim({ owner: 'b', prefix: 'run-', limit: 5, ttlMs: MINUTE })).toEqual([]);
    await a.append('run-1', [{ type: 'step' }], { lease: stale, expectedSeq: 1 });
    await sleep(250);
    const [taken] = await coord(b).claim({ owner: 'b', prefix: 'run-', limit: 5, ttlMs: MINUTE });
    expect(taken).toMatchObject({ stream: 'run-1', owner: 'b', token: 2 });

    const error = await a.append('run-1', [{ type: 'late' }], { lease: stale, expectedSeq: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FencedWriteError);
    expect(error).toMatchObject({ code: 'FENCED_WRITE', stream: 'run-1', token: 1, currentToken: 2, owner: 'b' });
    expect((error as Error).message).toContain('lost its lease');
    expect(a.stats().fenced).toBe(1);
    expect((await b.read('run-1')).map((r) => r.type)).toEqual(['started', 'step']);
    expect(await b.append('run-1', [{ type: 'resumed' }], { lease: taken, expectedSeq: 2 })).toMatchObject({ lastSeq: 3 });
    await close();
  });

  it('a fenced append in a batch does not fail the appends committed with it', async () => {
    const { journals, close } = await workers(1);
    const j = journals[0]!;
    const { lease } = await j.append('held', [{ type: 'x' }], { expectedSeq: 0, work: { state: 'open', claimFor: { owner: 'w', ttlMs: MINUTE } } });
    const forged: Lease = { ...lease!, token: 7 };
    const results = await Promise.allSettled([
      j.append('other', [{ type: 'a' }]),
      j.append('held', [{ type: 'forged' }], { lease: forged }),
      j.append('held', [{ type: 'real' }], { lease: lease! }),
      j.append('never', [{ type: 'b' }], { lease: { ...lease!, stream: 'never' } }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect((results[3] as PromiseRejectedResult).reason).toMatchObject({ code: 'FENCED_WRITE', currentToken: 0, owner: null });
    expect((await j.read('held')).map((r) => r.type)).toEqual(['x', 'real']);
    expect((await j.streams()).map((s) => s.stream)).toEqual(['held', 'other']);
    await close();
  });

  it('renew extends the leases still held and reports the lost ones', async () => {
    const { journals, close } = await workers(2);
    const [a, b] = [journals[0]!, journals[1]!];
    await openWork(a, 'r-', 2);
    const leases = await coord(a).claim({ owner: 'a', prefix: 'r-', limit: 2, ttlMs: 100 });
    expect(leases).toHaveLength(2);
    await sleep(200);
    const [stolen] = await coord(b).claim({ owner: 'b', prefix: 'r-', limit: 1, ttlMs: MINUTE });
    const result = await coord(a).renew(leases, MINUTE);
    expect(result.lost).toEqual([stolen!.stream]);
    expect(result.renewed).toHaveLength(1);
    const kept = result.renewed[0]!;
    expect(kept.stream).not.toBe(stolen!.stream);
    expect(kept.token).toBe(1);
    expect(kept.expiresAt.getTime()).toBeGreaterThan(Date.now() + MINUTE - 10_000);
    // Renewed in time: nobody can take it now.
    expect(await coord(b).claim({ owner: 'b', prefix: 'r-', limit: 5, ttlMs: MINUTE })).toEqual([]);
    await close();
  });

  it('release lets another owner claim at once; the releaser is fenced afterwards', async () => {
    const { journals, close } = await workers(2);
    const [a, b] = [journals[0]!, journals[1]!];
    await openWork(a, 'q-', 1);
    const [lease] = await coord(a).claim({ owner: 'a', prefix: 'q-', limit: 1, ttlMs: MINUTE });
    expect(await coord(b).claim({ owner: 'b', prefix: 'q-', limit: 1, ttlMs: MINUTE })).toEqual([]);
    await coord(a).release([lease!]);
    await coord(a).release([lease!]); // a lease no longer held is ignored
    const [taken] = await coord(b).claim({ owner: 'b', prefix: 'q-', limit: 1, ttlMs: MINUTE });
    expect(taken).toMatchObject({ stream: 'q-0', owner: 'b', token: 2 });
    await expect(a.append('q-0', [{ type: 'x' }], { lease: lease! })).rejects.toBeInstanceOf(FencedWriteError);
    await close();
  });

  it('finish marks the work done and ends the lease without waking anyone; an append that reopens the work makes it claimable again', async () => {
    const { journals, close } = await workers(2);
    const [a, b] = [journals[0]!, journals[1]!];
    await openWork(a, 'f-', 1);
    const [lease] = await coord(a).claim({ owner: 'a', prefix: 'f-', limit: 1, ttlMs: MINUTE });
    let wakes = 0;
    const subscription = coord(b).onWork(() => wakes++);
    await sleep(200); // LISTEN is issued in the background
    const listening = wakes;
    await coord(a).finish([lease!]);
    await coord(a).finish([lease!]); // a lease no longer held is ignored
    expect(await coord(b).claim({ owner: 'b', prefix: 'f-', limit: 1, ttlMs: MINUTE })).toEqual([]);
    await expect(a.append('f-0', [{ type: 'x' }], { lease: lease! })).rejects.toBeInstanceOf(FencedWriteError);
    await sleep(200);
    expect(wakes).toBe(listening);
    // Reopened (as a request from an operator does): claimable at once, with a higher token.
    await b.append('f-0', [{ type: 'x' }], { expectedSeq: 1, work: { state: 'open' } });
    const [taken] = await coord(b).claim({ owner: 'b', prefix: 'f-', limit: 1, ttlMs: MINUTE });
    expect(taken).toMatchObject({ stream: 'f-0', owner: 'b', token: 2 });
    subscription.dispose();
    await close();
  });

  it('work due in the future is not claimable until it is due; done work is never claimed', async () => {
    const { journals, close } = await workers(1);
    const j = journals[0]!;
    await openWork(j, 'later-', 1, new Date(Date.now() + 400));
    await j.append('finished', [{ type: 'x' }], { work: { state: 'open' } });
    await j.append('finished', [{ type: 'completed' }], { work: { state: 'done' } });
    expect(await coord(j).claim({ owner: 'w', prefix: '', limit: 10, ttlMs: MINUTE })).toEqual([]);
    await sleep(600);
    expect((await coord(j).claim({ owner: 'w', prefix: '', limit: 10, ttlMs: MINUTE })).map((l) => l.stream)).toEqual(['later-0']);
    expect(await coord(j).claim({ owner: 'w', prefix: '', limit: 10, ttlMs: MINUTE })).toEqual([]);
    await close();
  });

  it('marking work done ends its lease: reopened later (a revert), another worker claims it at once and fences the old holder', async () => {
    const { journals, close } = await workers(2);
    const [a, b] = journals as [Journal, Journal];
    const { lease } = await a.append('run', [{ type: 'started' }], { expectedSeq: 0, work: { state: 'open', claimFor: { owner: 'a', ttlMs: MINUTE } } });
    await a.append('run', [{ type: 'completed' }], { lease: lease!, work: { state: 'done' } });
    await b.append('run', [{ type: 'revert-requested' }], { expectedSeq: 2, work: { state: 'open' } });
    const [taken] = await coord(b).claim({ owner: 'b', prefix: '', limit: 1, ttlMs: MINUTE });
    expect(taken).toMatchObject({ stream: 'run', owner: 'b', token: 2 });
    await expect(a.append('run', [{ type: 'x' }], { lease: lease! })).rejects.toBeInstanceOf(FencedWriteError);
    await close();
  });

  it('a holder that schedules a retry keeps its lease; once released the stream is claimable when due', async () => {
    const { journals, close } = await workers(1);
    const j = journals[0]!;
    const { lease } = await j.append('run', [{ type: 'started' }], { expectedSeq: 0, work: { state: 'open', claimFor: { owner: 'w', ttlMs: MINUTE } } });
    await j.append('run', [{ type: 'step-failed' }], { lease: lease!, work: { state: 'open', dueAt: new Date(Date.now() + 200) } });
    await coord(j).release([lease!]);
    expect(await coord(j).claim({ owner: 'x', prefix: '', limit: 1, ttlMs: MINUTE })).toEqual([]);
    await sleep(300);
    expect(await coord(j).claim({ owner: 'x', prefix: '', limit: 1, ttlMs: MINUTE })).toMatchObject([{ stream: 'run', token: 2 }]);
    await close();
  });

  it('inspect reads whether each stream is work, who holds it until when, and when it is due; streams without work are left out', async () => {
    const { journals, close } = await workers(1);
    const j = journals[0]!;
    const held = { state: 'open', claimFor: { owner: 'w-a', ttlMs: MINUTE } } as const;
    const { lease } = await j.append('held', [{ type: 'started' }], { expectedSeq: 0, work: held });
    const due = new Date(Date.now() + MINUTE);
    await j.append('waiting', [{ type: 'started' }], { expectedSeq: 0, work: { state: 'open', dueAt: due } });
    const { lease: ended } = await j.append('finished', [{ type: 'started' }], { expectedSeq: 0, work: held });
    await j.append('finished', [{ type: 'completed' }], { lease: ended!, work: { state: 'done' } });
    await j.append('plain', [{ type: 'x' }]);

    const entries = await coord(j).inspect(['waiting', 'held', 'plain', 'finished', 'held']);
    expect(entries.map((e) => e.stream)).toEqual(['finished', 'held', 'waiting']);
    const [finished, holding, waiting] = entries as [WorkEntry, WorkEntry, WorkEntry];
    expect(holding).toMatchObject({ state: 'open', token: 1, lease: { stream: 'held', owner: 'w-a', token: 1, expiresAt: lease!.expiresAt } });
    expect(holding.lease!.expiresAt.getTime() - holding.readAt.getTime()).toBeGreaterThan(MINUTE - 10_000);
    // Claimed with its start, so due since then: at once.
    expect(holding.dueAt!.getTime()).toBeLessThanOrEqual(holding.readAt.getTime());
    expect(waiting).toMatchObject({ state: 'open', token: 0, lease: undefined, dueAt: due });
    expect(finished).toMatchObject({ state: 'done', token: 1, lease: undefined, dueAt: undefined });

    await coord(j).release([lease!]);
    expect(await coord(j).inspect(['held'])).toMatchObject([{ state: 'open', token: 1, lease: undefined }]);
    expect(await coord(j).inspect([])).toEqual([]);
    await close();
  });

  it('onWork fires when work is opened or released anywhere in the store, and stops when disposed', async () => {
    const { journals, close } = await workers(2);
    const [a, b] = [journals[0]!, journals[1]!];
    let wakes = 0;
    const subscription = coord(a).onWork(() => wakes++);
    await sleep(200); // LISTEN is issued in the background
    const listening = wakes;
    await b.append('new-work', [{ type: 'x' }], { expectedSeq: 0, work: { state: 'open' } });
    await until(() => wakes > listening, 5000, 'a wake-up');
    const [lease] = await coord(b).claim({ owner: 'b', prefix: '', limit: 1, ttlMs: MINUTE });
    const before = wakes;
    await coord(b).release([lease!]);
    await until(() => wakes > before, 5000, 'a wake-up');
    subscription.dispose();
    const afterDispose = wakes;
    await b.append('more-work', [{ type: 'x' }], { work: { state: 'open' } });
    await sleep(200);
    expect(wakes).toBe(afterDispose);
    await close();
  });

  it('onWork names the stream whose work an append opened, by either write path, and none for a release', async () => {
    const { journals, close } = await workers(2);
    const [a, b] = [journals[0]!, journals[1]!];
    const heard: (string | undefined)[] = [];
    const subscription = coord(a).onWork((stream) => heard.push(stream));
    await sleep(200); // LISTEN is issued in the background
    heard.length = 0;
    // Conditional appends to distinct streams go in one statement; an unconditional one goes stepwise.
    await Promise.all([
      b.append('opened-1', [{ type: 'x' }], { expectedSeq: 0, work: { state: 'open' } }),
      b.append('opened-2', [{ type: 'x' }], { expectedSeq: 0, work: { state: 'open' } }),
    ]);
    await b.append('opened-3', [{ type: 'x' }], { work: { state: 'open' } });
    // A name too long for a notification's payload still wakes, without it.
    await b.append(`long-${'x'.repeat(8000)}`, [{ type: 'x' }], { expectedSeq: 0, work: { state: 'open' } });
    await until(() => heard.length >= 4, 5000, 'four wake-ups');
    expect(heard.slice(0, 4).sort()).toEqual(['opened-1', 'opened-2', 'opened-3', undefined]);
    const [lease] = await coord(b).claim({ owner: 'b', prefix: 'opened-1', limit: 1, ttlMs: MINUTE });
    heard.length = 0;
    await coord(b).release([lease!]);
    await until(() => heard.length >= 1, 5000, 'the release wake-up');
    expect(heard).toEqual([undefined]);
    subscription.dispose();
    await close();
  });

  it('onWork wakes a listener for work opened before its LISTEN took effect', async () => {
    const { journals, close } = await workers(2);
    const [a, b] = [journals[0]!, journals[1]!];
    let wakes = 0;
    const appended = b.append('early-work', [{ type: 'x' }], { expectedSeq: 0, work: { state: 'open' } });
    const subscription = coord(a).onWork(() => wakes++);
    await appended;
    await until(() => wakes >= 1, 5000, 'a wake-up');
    subscription.dispose();
    await close();
  });

  it('onWork reconnects after its connection is killed, and wakes listeners once it is back', async () => {
    const schema = freshSchema('coord');
    const { PgStore } = await import('../../src/store/postgres/index.js');
    const applicationName = `rewind-listen-${schema.slice(-8)}`;
    const a = await openStore(new PgStore({ connectionString: PG_URL!, schema, applicationName }));
    const b = await openStore(pgUrlWithSchema(schema));
    let wakes = 0;
    const subscription = coord(a).onWork(() => wakes++);
    await sleep(200);
    const listening = wakes;
    await adminPool().query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    await until(() => wakes > listening, 5000, 'a wake-up'); // the wake-up after reconnecting
    const before = wakes;
    await b.append('w', [{ type: 'x' }], { work: { state: 'open' } });
    await until(() => wakes > before, 5000, 'a wake-up');
    subscription.dispose();
    await Promise.all([a.close(), b.close()]);
  });

  it('appendInTransaction commits the caller\'s writes and the records together, or neither', async () => {
    const { journals, schema, close } = await workers(1);
    const j = journals[0]!;
    const table = `${pg.escapeIdentifier(schema)}.payments`;
    await adminPool().query(`CREATE TABLE ${table} (id text PRIMARY KEY)`);
    const paid = async (): Promise<string[]> => (await adminPool().query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => r.id);

    const result = await coord(j).appendInTransaction('pay-1', async (tx) => {
      await tx.query(`INSERT INTO ${table} (id) VALUES ($1)`, ['p1']);
      return [{ type: 'step-succeeded', data: { id: 'p1' } }];
    }, { expectedSeq: 0 });
    expect(result).toEqual({ stream: 'pay-1', firstSeq: 1, lastSeq: 1 });
    expect(await paid()).toEqual(['p1']);

    // build throws: neither the row nor a record.
    const boom = new Error('card declined');
    await expect(coord(j).appendInTransaction('pay-2', async (tx) => {
      await tx.query(`INSERT INTO ${table} (id) VALUES ($1)`, ['p2']);
      throw boom;
    })).rejects.toBe(boom);
    // a conflict: the caller's write is rolled back.
    await expect(coord(j).appendInTransaction('pay-1', async (tx) => {
      await tx.query(`INSERT INTO ${table} (id) VALUES ($1)`, ['p3']);
      return [{ type: 'again' }];
    }, { expectedSeq: 0 })).rejects.toBeInstanceOf(JournalConflictError);
    // a bad record: refused inside the transaction, rolled back too.
    await expect(coord(j).appendInTransaction('pay-4', async (tx) => {
      await tx.query(`INSERT INTO ${table} (id) VALUES ($1)`, ['p4']);
      return [{ type: '' }];
    })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await paid()).toEqual(['p1']);
    expect((await j.streams()).map((s) => s.stream)).toEqual(['pay-1']);

    // a stale lease: fenced, rolled back.
    const { lease } = await j.append('pay-5', [{ type: 'x' }], { expectedSeq: 0, work: { state: 'open', claimFor: { owner: 'w', ttlMs: MINUTE } } });
    await expect(coord(j).appendInTransaction('pay-5', async (tx) => {
      await tx.query(`INSERT INTO ${table} (id) VALUES ($1)`, ['p5']);
      return [{ type: 'y' }];
    }, { lease: { ...lease!, token: 9 } })).rejects.toBeInstanceOf(FencedWriteError);
    expect(await paid()).toEqual(['p1']);
    expect(await coord(j).appendInTransaction('pay-5', () => Promise.resolve([{ type: 'y' }]), { lease: lease!, expectedSeq: 1 })).toMatchObject({ lastSeq: 2 });

    // tx kept past build is refused.
    let kept: { query: (text: string) => Promise<unknown> } | undefined;
    await coord(j).appendInTransaction('pay-6', (tx) => {
      kept = tx;
      return Promise.resolve([{ type: 'z' }]);
    });
    await expect(kept!.query('SELECT 1')).rejects.toThrow(/has ended/);
    await close();
  });

  it('appendInTransaction changes the work entry in the same transaction when build returns { records, work }', async () => {
    const { journals, schema, close } = await workers(2);
    const [a, b] = journals as [Journal, Journal];
    const table = `${pg.escapeIdentifier(schema)}.shipments`;
    await adminPool().query(`CREATE TABLE ${table} (id text PRIMARY KEY)`);
    const { lease } = await a.append('ship-1', [{ type: 'started' }], { expectedSeq: 0, work: { state: 'open', claimFor: { owner: 'a', ttlMs: MINUTE } } });
    let wakes = 0;
    const subscription = coord(b).onWork(() => wakes++);
    await sleep(200); // LISTEN is issued in the background
    const listening = wakes;
    const later = new Date(Date.now() + 300);
    // The outcome and a wake-up later, committed with the caller's write (and announced at
    // commit): then the lease is given up.
    await coord(a).appendInTransaction('ship-1', async (tx) => {
      await tx.query(`INSERT INTO ${table} (id) VALUES ($1)`, ['s1']);
      return { records: [{ type: 'step-succeeded' }], work: { state: 'open', dueAt: later } };
    }, { expectedSeq: 1, lease: lease! });
    await until(() => wakes > listening, 5000, 'a wake-up');
    subscription.dispose();
    await coord(a).release([lease!]);
    expect(await coord(b).claim({ owner: 'b', prefix: 'ship-', limit: 1, ttlMs: MINUTE })).toEqual([]);
    await sleep(400);
    const [taken] = await coord(b).claim({ owner: 'b', prefix: 'ship-', limit: 1, ttlMs: MINUTE });
    expect(taken).toMatchObject({ stream: 'ship-1', token: 2 });
    // Done with the last records; a bad work update is refused inside, rolling back the write.
    await expect(coord(b).appendInTransaction('ship-1', async (tx) => {
      await tx.query(`INSERT INTO ${table} (id) VALUES ($1)`, ['s2']);
      return { records: [{ type: 'completed' }], work: { state: 'finished' as 'done' } };
    }, { expectedSeq: 2, lease: taken })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', path: 'build result.work.state' });
    expect(await coord(b).appendInTransaction('ship-1', () => Promise.resolve({ records: [{ type: 'completed' }], work: { state: 'done' } }), { expectedSeq: 2, lease: taken }))
      .toMatchObject({ lastSeq: 3 });
    expect((await adminPool().query<{ id: string }>(`SELECT id FROM ${table}`)).rows).toEqual([{ id: 's1' }]);
    expect((await adminPool().query<{ state: string; owner: string | null }>(`SELECT state, owner FROM ${pg.escapeIdentifier(schema)}.rewind_work WHERE stream = 'ship-1'`)).rows)
      .toEqual([{ state: 'done', owner: null }]);
    await expect(coord(b).appendInTransaction('ship-1', () => Promise.resolve([]), { work: { state: 'done' } } as never))
      .rejects.toMatchObject({ path: 'options.work' });
    await close();
  });

  it('refuses bad coordination input before touching the database, and every call after close', async () => {
    const { journals, close } = await workers(1);
    const j = journals[0]!;
    const c = coord(j);
    const lease: Lease = { stream: 's', owner: 'w', token: 1, expiresAt: new Date() };
    const bad: [() => Promise<unknown>, string][] = [
      [() => c.claim({ owner: '', prefix: '', limit: 1, ttlMs: 1 }), 'options.owner'],
      [() => c.claim({ owner: 'w', prefix: '', limit: 0, ttlMs: 1 }), 'options.limit'],
      [() => c.claim({ owner: 'w', prefix: 3 as unknown as string, limit: 1, ttlMs: 1 }), 'options.prefix'],
      [() => c.claim({ owner: 'w', prefix: '', limit: 1, ttlMs: 0.5 }), 'options.ttlMs'],
      [() => c.claim({ owner: 'w', prefix: '', limit: 1, ttlMs: 1, exclude: 'x-1' as unknown as string[] }), 'options.exclude'],
      [() => c.claim({ owner: 'w', prefix: '', limit: 1, ttlMs: 1, exclude: ['x-1', 7 as unknown as string] }), 'options.exclude[1]'],
      [() => c.renew([{ ...lease, token: 0 }], 10), 'leases[0].token'],
      [() => c.renew([lease], -1), 'ttlMs'],
      [() => c.release('x' as unknown as Lease[]), 'leases'],
      [() => c.finish([{ ...lease, owner: '' }]), 'leases[0].owner'],
      [() => j.append('s', [{ type: 'x' }], { lease: { ...lease, stream: 't' } }), 'options.lease.stream'],
      [() => j.append('s', [{ type: 'x' }], { lease: { ...lease, expiresAt: 'soon' as unknown as Date } }), 'options.lease.expiresAt'],
      [() => j.append('s', [{ type: 'x' }], { work: { state: 'paused' as 'done' } }), 'options.work.state'],
      [() => j.append('s', [{ type: 'x' }], { work: { state: 'open', dueAt: new Date(NaN) } }), 'options.work.dueAt'],
      [() => j.append('s', [{ type: 'x' }], { work: { state: 'open', claimFor: { owner: 'w', ttlMs: 10 } } }), 'options.work.claimFor'],
      [() => j.append('s', [{ type: 'x' }], { expectedSeq: 0, lease, work: { state: 'open', claimFor: { owner: 'w', ttlMs: 10 } } }), 'options.work.claimFor'],
      [() => j.append('s', [{ type: 'x' }], { expectedSeq: 0, work: { state: 'open', claimFor: { owner: 'w', ttlMs: 0 } } }), 'options.work.claimFor.ttlMs'],
      [() => c.inspect('s' as unknown as string[]), 'streams'],
      [() => c.inspect(['s', '']), 'streams[1]'],
      [() => c.appendInTransaction('', () => Promise.resolve([])), 'stream'],
      [() => c.appendInTransaction('s', 'no' as unknown as () => Promise<[]>), 'build'],
      [() => c.appendInTransaction('s', () => Promise.resolve([{ type: 'x' }]), { lease: { ...lease, stream: 'u' } }), 'options.lease.stream'],
    ];
    for (const [call, path] of bad) {
      const error = await call().catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).path, path).toBe(path);
    }
    expect(() => c.onWork('x' as unknown as () => void)).toThrow(InvalidArgumentError);
    expect(await j.streams()).toEqual([]);
    await close();
    await expect(c.claim({ owner: 'w', prefix: '', limit: 1, ttlMs: 1 })).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await expect(c.renew([lease], 10)).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await expect(c.release([lease])).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await expect(c.finish([lease])).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await expect(c.inspect(['s'])).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await expect(c.appendInTransaction('s', () => Promise.resolve([{ type: 'x' }]))).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    expect(() => c.onWork(() => undefined)).toThrow(/closed/);
  });
});

/** Polls `condition` every 20 ms, failing after 5 s. */
