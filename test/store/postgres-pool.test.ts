/**
 * The PostgreSQL store's pool as a URL sets it (`?maxConnections=`), and a worker on a pool
 * of one connection, which the wake-up listener must not take for itself.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openEngine, saga } from '../../src/saga/index.js';
import { openStore } from '../../src/store/index.js';
import { adminPool, dropSchemas, freshSchema, noteSkipWithoutPg, PG_URL, pgUrlWithSchema } from '../helpers/pg.js';

noteSkipWithoutPg('test/store/postgres-pool.test.ts');
afterAll(dropSchemas);

/** A URL for a fresh schema whose connections carry an `application_name` of their own, with `params` added. */
function urlWith(params: Record<string, string>): { url: string; applicationName: string } {
  const applicationName = `rewind-pool-${randomBytes(4).toString('hex')}`;
  const url = new URL(pgUrlWithSchema(freshSchema('pool')));
  url.searchParams.set('application_name', applicationName);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return { url: url.toString(), applicationName };
}

async function connectionsNamed(applicationName: string): Promise<number> {
  const result = await adminPool().query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  return (result.rows[0] as { n: number }).n;
}

describe.skipIf(!PG_URL)('PostgreSQL store pool', () => {
  it('opens at most ?maxConnections= connections: twenty reads at once use three', async () => {
    const { url, applicationName } = urlWith({ maxConnections: '3' });
    const journal = await openStore(url);
    try {
      await journal.append('s', [{ type: 'x' }]);
      await Promise.all(Array.from({ length: 20 }, () => journal.read('s')));
      // The pool keeps its idle connections for a while, so what it opened is still there.
      expect(await connectionsNamed(applicationName)).toBe(3);
    } finally {
      await journal.close();
    }
  });

  it('runs a worker on a pool of one connection: nothing listens, and runs still complete', async () => {
    const { url, applicationName } = urlWith({ maxConnections: '1' });
    const noop = (): Promise<void> => Promise.resolve();
    const one = saga<{ n: number }>('pool-one', { version: 1 }).step('a', { run: noop, compensate: noop });
    const engine = await openEngine({ store: url, sagas: [one], worker: { id: 'solo', pollInterval: '50ms' } });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 5 }, async (_, n) => (await engine.start(one, { n })).result({ timeout: '10s' })),
      );
      expect(outcomes.map((o) => o.status)).toEqual(Array(5).fill('completed'));
      expect(await connectionsNamed(applicationName)).toBe(1);
    } finally {
      await engine.close();
    }
  });
});
