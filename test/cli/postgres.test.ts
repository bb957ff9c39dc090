// The same commands on PostgreSQL: the CLI passes the URL to the library and nothing in it
// is SQLite-specific but the missing-file check. Skips (and says so) without REWIND_PG_URL.
import { afterAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/saga/index.js';
import { openEngine, SagaInspector } from '../../src/saga/index.js';
import { openStore } from '../../src/store/index.js';
import { dropSchemas, freshSchema, noteSkipWithoutPg, PG_URL, pgUrlWithSchema } from '../helpers/pg.js';
import { ledger } from '../fixtures/cli/ledger.js';
import { audit, hold, transfer } from '../fixtures/cli/transfer.js';
import { CONFIG, rewind, useTempDir } from './helpers.js';

noteSkipWithoutPg('test/cli/postgres.test.ts');
const tmp = useTempDir('pg');
afterAll(async () => {
  if (PG_URL !== undefined) await dropSchemas();
});

describe.skipIf(PG_URL === undefined)('rewind on PostgreSQL', () => {
  it('lists and shows runs, and cancels and reverts them through the journal while a service worker drives them', async () => {
    const url = pgUrlWithSchema(freshSchema('cli'));
    const book = tmp.path('pg.json');
    // The service: a worker with the sagas, holding leases. On PostgreSQL the CLI's engine
    // does not claim runs (recover: false): it appends the request and follows the journal.
    const service = await openEngine({ store: url, sagas: [transfer, hold, audit] });
    try {
      await (await service.start(transfer, { ledger: book }, { id: 'pg-done' })).result({ timeout: '10s' });
      await service.start(hold, { ledger: book, flaky: 'confirm' }, { id: 'pg-held' });
      while ((await service.get('pg-held')).steps['confirm']?.forward?.status !== 'retrying') await new Promise((resolve) => setTimeout(resolve, 10));

      const runs = await rewind(['runs', '--json'], { env: { REWIND_STORE: url } });
      expect(runs.code).toBe(0);
      expect((JSON.parse(runs.stdout) as RunSummary[]).map((r) => `${r.runId}:${r.status}`).sort()).toEqual(['pg-done:completed', 'pg-held:running']);
      const show = await rewind(['show', 'pg-done', '--store', url]);
      expect(show.stdout).toMatch(/^run pg-done {2}transfer v2 {2}completed\n/);

      const cancel = await rewind(['cancel', 'pg-held', '--reason', 'test', '--store', url, '--config', CONFIG]);
      expect([cancel.code, cancel.stderr]).toEqual([0, '']);
      const revert = await rewind(['revert', 'pg-done', '--auto-verify', '--store', url, '--config', CONFIG]);
      expect([revert.code, revert.stderr]).toEqual([0, '']);
    } finally {
      await service.close();
    }

    const journal = await openStore(url);
    try {
      const inspector = new SagaInspector(journal);
      expect(await inspector.get('pg-held')).toMatchObject({ status: 'compensated', compensation: { cause: 'cancel-requested', reason: 'test' } });
      expect(await inspector.get('pg-done')).toMatchObject({ status: 'compensated', revert: { reason: 'reverted with rewind revert' } });
    } finally {
      await journal.close();
    }
    expect(ledger(book).entries()).toEqual([]);
  }, 60_000);

  it('checks a saga with a transactional step on a PostgreSQL scratch database (--scratch), which it cannot on SQLite', async () => {
    const module = 'test/fixtures/cli/check-sagas.ts#inTransaction';
    const input = JSON.stringify({ ledger: tmp.path('in-transaction.json') });
    const onPg = await rewind(['check', module, '--input', input, '--scratch', PG_URL!]);
    expect([onPg.code, onPg.stderr.split('\n').at(-1)]).toEqual([0, expect.stringMatching(/^checking in-transaction v1: case \d+ crash-append:.+ ok$/)]);
    expect(onPg.stdout).toMatch(/^check of saga in-transaction v1: \d+ case\(s\), 0 violation\(s\)\n/);
    expect(onPg.stdout).toMatch(/\n {2}happy +completed +ok\n/);
    const onSqlite = await rewind(['check', module, '--input', input, '--case', 'happy']);
    expect(onSqlite.code).toBe(6);
    expect(onSqlite.stdout).toMatch(/\n {2}happy +error +1 violation\(s\)\n/);
  }, 60_000);

  it('exits 5 when the server cannot be reached', async () => {
    const { code, stderr } = await rewind(['runs', '--store', 'postgres://nobody@127.0.0.1:1/none']);
    expect(code).toBe(5);
    expect(stderr).toMatch(/^rewind: .+/);
    expect(stderr).not.toContain('\n');
  });
});
