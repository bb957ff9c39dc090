// The same commands on PostgreSQL: the CLI passes the URL to the library and nothing in it
// is SQLite-specific but the missing-file check. Skips (and says so) without REWIND_PG_URL.
import { afterAll, describe, expect, it } from 'vitest';
import type { RunState, RunSummary, RunWork } from '../../src/saga/index.js';
import { openEngine, SagaInspector } from '../../src/saga/index.js';
import { openStore } from '../../src/store/index.js';
import { dropSchemas, freshSchema, noteSkipWithoutPg, PG_URL, pgUrlWithSchema } from '../helpers/pg.js';
import { ledger } from '../fixtures/cli/ledger.js';
import { audit, hold, transfer } from '../fixtures/cli/transfer.js';
import { patient } from './fixtures/patient.config.js';
import { CONFIG, rewind, useTempDir } from './helpers.js';

noteSkipWithoutPg('test/cli/postgres.test.ts');
const tmp = useTempDir('pg');
afterAll(async () => {
  if (PG_URL !== undefined) await dropSchemas();
});

/** The WORKER cell of each row of `rewind runs`' table, by run id (the table's columns start where its header's words do). */
function workerColumn(stdout: string): Record<string, string> {
  const [header, ...rows] = stdout.split('\n').filter((line) => line !== '');
  const from = header!.indexOf('WORKER');
  const to = header!.indexOf('STUCK BECAUSE');
  return Object.fromEntries(rows.map((row) => [row.split(' ')[0]!, row.slice(from, to).trim()]));
}

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

  it('shows and lists which worker drives a run and how long its lease lasts, that none does once the worker closed, and that a finished run\'s work is done', async () => {
    const url = pgUrlWithSchema(freshSchema('cli'));
    const book = tmp.path('pg-worker.json');
    const service = await openEngine({ store: url, sagas: [transfer, patient], worker: { id: 'svc-1', leaseTtl: '30s' } });
    try {
      await (await service.start(transfer, { ledger: book }, { id: 'pg-finished' })).result({ timeout: '10s' });
      // Its step waits until released: the worker holds the run while the step is in flight.
      await service.start(patient, { ledger: book }, { id: 'pg-driven' });
      while (!ledger(book).has('pg-driven:wait#1')) await new Promise((resolve) => setTimeout(resolve, 10));

      const show = await rewind(['show', 'pg-driven', '--store', url]);
      expect(show.stdout).toMatch(/^run pg-driven {2}patient v1 {2}running\n(?: {2}.+\n)* {2}worker {4}svc-1 \(lease 1, lapses in \d+\.\d s unless renewed\)\n/);
      const json = JSON.parse((await rewind(['show', 'pg-driven', '--json', '--store', url])).stdout) as RunState & { work: RunWork };
      expect(json.work).toMatchObject({ state: 'open', holder: { worker: 'svc-1', token: 1 } });
      // Measured on the server's clock, so this machine's clock does not matter.
      expect(json.work.holder!.expiresAt - json.work.readAt).toBeGreaterThan(15_000);

      const runs = await rewind(['runs', '--store', url]);
      expect(runs.stdout.split('\n')[0]).toMatch(/^RUN\s+SAGA\s+STATUS\s+STARTED\s+UPDATED\s+WORKER\s+STUCK BECAUSE$/);
      expect(workerColumn(runs.stdout)).toEqual({ 'pg-driven': 'svc-1', 'pg-finished': '' });
      const listed = JSON.parse((await rewind(['runs', '--json', '--store', url])).stdout) as (RunSummary & { work: RunWork })[];
      expect(Object.fromEntries(listed.map((run) => [run.runId, [run.work.state, run.work.holder?.worker]]))).toEqual({
        'pg-driven': ['open', 'svc-1'],
        'pg-finished': ['done', undefined],
      });
    } finally {
      await service.close();
    }
    // Closing cut the step short and released the lease: the run waits for any worker, at its retry's wake-up.
    const released = await rewind(['show', 'pg-driven', '--store', url]);
    expect(released.stdout).toMatch(/\n {2}worker {4}none: any worker may take it up (?:now|at \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)\n/);
    expect(workerColumn((await rewind(['runs', '--store', url])).stdout)['pg-driven']).toMatch(/^any(?:, at .+)?$/);
    const finished = await rewind(['show', 'pg-finished', '--store', url]);
    expect(finished.stdout).toContain('\n  worker    none: its work is done\n');
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
