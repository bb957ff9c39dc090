/**
 * Connections killed under a stream of appends (pg_terminate_backend from an admin
 * connection, as a failover or an operator would): the appends in flight fail with a
 * retryable StoreUnavailableError, later appends succeed on fresh connections, and
 * nothing acknowledged is lost.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { isRewindError } from '../../src/errors.js';
import { openStore, StoreUnavailableError } from '../../src/store/index.js';
import { PgStore } from '../../src/store/postgres/index.js';
import { adminPool, dropSchemas, freshSchema, noteSkipWithoutPg, PG_URL } from '../helpers/pg.js';

noteSkipWithoutPg('test/store/postgres-fault.test.ts');
afterAll(dropSchemas);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Terminates every server process of connections named `applicationName`; returns how many. */
async function killConnections(applicationName: string): Promise<number> {
  const { rows } = await adminPool().query<{ killed: boolean }>(
    'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
    [applicationName],
  );
  return rows.filter((r) => r.killed).length;
}

describe.skipIf(!PG_URL)('PostgreSQL store under connection loss', () => {
  it('fails in-flight appends with a retryable StoreUnavailableError, recovers, and loses nothing acknowledged', async () => {
    const applicationName = `rewind-fault-${randomBytes(4).toString('hex')}`;
    const journal = await openStore(new PgStore({ connectionString: PG_URL!, schema: freshSchema('fault'), applicationName, maxConnections: 4 }));
    const acknowledged: { stream: string; seq: number; data: string }[] = [];
    const failures: unknown[] = [];
    let running = true;
    let counter = 0;
    // Four writers append as fast as the journal takes them, so a batch is nearly always in flight.
    const writers = Array.from({ length: 4 }, async (_, w) => {
      while (running) {
        const stream = `s-${w % 2}`;
        const data = `w${w}-${counter++}`;
        try {
          const { firstSeq } = await journal.append(stream, [{ type: 'n', data }]);
          acknowledged.push({ stream, seq: firstSeq, data });
        } catch (error) {
          failures.push(error);
        }
      }
    });
    let kills = 0;
    // Kill until some append has failed from it (a kill can land between batches), within bounds.
    for (let round = 0; round < 40 && (round < 3 || failures.length === 0); round++) {
      await sleep(40 + Math.random() * 60);
      kills += await killConnections(applicationName);
    }
    const failedBeforeRecovery = failures.length;
    const ackedBeforeRecovery = acknowledged.length;
    await sleep(300);
    running = false;
    await Promise.all(writers);

    expect(kills).toBeGreaterThan(0);
    expect(failedBeforeRecovery).toBeGreaterThan(0);
    for (const error of failures) {
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error).toMatchObject({ retryable: true, operation: 'append' });
    }
    // Appends went on succeeding after the last kill, on fresh connections.
    expect(acknowledged.length).toBeGreaterThan(ackedBeforeRecovery);
    expect(await journal.append('after', [{ type: 'x' }])).toMatchObject({ lastSeq: 1 });

    // Every acknowledged append is there, at the seq it was given, and the streams have no gaps.
    for (const stream of ['s-0', 's-1']) {
      const records = await journal.read(stream);
      expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
      const bySeq = new Map(records.map((r) => [r.seq, r.data]));
      for (const ack of acknowledged.filter((a) => a.stream === stream)) expect(bySeq.get(ack.seq), `${stream}#${ack.seq}`).toBe(ack.data);
    }
    await journal.close();
  });

  it('survives idle connections killed in its pool, and reads and lists again at once', async () => {
    const applicationName = `rewind-idle-${randomBytes(4).toString('hex')}`;
    const journal = await openStore(new PgStore({ connectionString: PG_URL!, schema: freshSchema('fault'), applicationName }));
    await Promise.all(Array.from({ length: 6 }, (_, i) => journal.append(`s-${i}`, [{ type: 'x' }])));
    await Promise.all([journal.read('s-0'), journal.read('s-1'), journal.streams()]);
    expect(await killConnections(applicationName)).toBeGreaterThan(0);
    await sleep(100);
    // The pool's idle connections are gone; without its 'error' listener the process would have crashed.
    const results = await Promise.allSettled([journal.read('s-0'), journal.streams(), journal.append('s-0', [{ type: 'y' }])]);
    for (const result of results) {
      if (result.status === 'rejected') expect(isRewindError(result.reason, 'STORE_UNAVAILABLE')).toBe(true);
    }
    expect((await journal.read('s-0')).map((r) => r.type).slice(0, 1)).toEqual(['x']);
    expect(await journal.streams()).toHaveLength(6);
    await journal.close();
  });

  it('fails to open an unreachable server with a retryable StoreUnavailableError that hides the password', async () => {
    const error = await openStore('postgres://app:hunter2@127.0.0.1:1/rewind').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toMatchObject({ retryable: true, driverCode: 'ECONNREFUSED', operation: 'open' });
    expect((error as Error).message).not.toContain('hunter2');
  });
});
