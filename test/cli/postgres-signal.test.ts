// Ctrl-C in `rewind cancel` on PostgreSQL, for real: the built binary in its own process and
// a service worker in this one. On PostgreSQL the CLI's engine claims no runs: the service
// drives the run, and the CLI appends its request and follows the journal. So a stop must
// end only the following, at once, and leave the service's compensation running to its end.
// Skips (and says so) without REWIND_PG_URL.
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/cli/index.js';
import { openEngine, stepState } from '../../src/saga/index.js';
import { dropSchemas, freshSchema, noteSkipWithoutPg, PG_URL, pgUrlWithSchema } from '../helpers/pg.js';
import { ledger } from '../fixtures/cli/ledger.js';
import { patient } from './fixtures/patient.config.js';
import { useTempDir } from './helpers.js';
import { PATIENT_CONFIG, rewindInChild, until } from './signals.js';

noteSkipWithoutPg('test/cli/postgres-signal.test.ts');
const tmp = useTempDir('pg-signal');
afterAll(async () => {
  if (PG_URL !== undefined) await dropSchemas();
});

/**
 * Starts run `runId` of the patient saga on `url` and closes the engine once its step is in
 * flight: the run rests as running, its step retrying, with no worker holding it.
 */
async function restingPatient(url: string, runId: string, book: string): Promise<void> {
  const engine = await openEngine({ store: url, sagas: [patient] });
  try {
    await engine.start(patient, { ledger: book }, { id: runId });
    await until(`${runId} attempt 1`, () => ledger(book).has(`${runId}:wait#1`));
  } finally {
    await engine.close();
  }
}

describe.skipIf(PG_URL === undefined)('rewind cancel on PostgreSQL stopped with Ctrl-C while it follows the journal', () => {
  it('exits 7 at once on SIGINT, printing the run compensating, while the service worker goes on and compensates it', async () => {
    const url = pgUrlWithSchema(freshSchema('signal'));
    const book = tmp.path('pg-signal.json');
    await restingPatient(url, 'pg-1', book);

    const { child, out, exited } = rewindInChild(['cancel', 'pg-1', '--reason', 'customer left', '--store', url, '--config', PATIENT_CONFIG], tmp.dir);
    // The service opens once the request is recorded, so that the run it takes up is already
    // compensating and its compensation (not an aborted step) is in flight at the signal.
    await until('the request to be recorded', () => out.stdout.includes('(recorded)\n'));
    const service = await openEngine({ store: url, sagas: [patient] });
    try {
      await until('the compensation in the service', () => ledger(book).has('pg-1:wait:undo#1'));
      // Were the compensation the CLI's, its close would abort it, and a stubborn call holds
      // a close for the whole grace period (2 s): the quick exit below shows it holds none.
      writeFileSync(`${book}.stubborn`, '');
      const sent = Date.now();
      child.kill('SIGINT');

      expect(await exited).toBe(EXIT_CODES.unsettled);
      expect(Date.now() - sent).toBeLessThan(1_500);
      expect(out.stdout.split('\n').slice(0, 2)).toEqual(['cancel requested for run pg-1: customer left (recorded)', 'run pg-1  patient v1  compensating']);
      // The compensation is printed in flight: the service's attempt, which nothing here cut short.
      expect(out.stdout).toMatch(/\n {2}wait +compensating +1 .+ running x1, unfinished /);
      expect(out.stderr).toContain('rewind: SIGINT: stopped waiting for run pg-1 (the request is recorded)');
      // The service, not a recovery from here, carries the run on: the advice says so.
      expect(out.stderr).toMatch(/rewind: Run "pg-1" did not come to compensated: SIGINT stopped the wait\. The workers on this store carry it on; follow it with rewind show pg-1\.\n$/);

      // The service's compensation was never cut short: its first attempt finishes the run.
      writeFileSync(`${book}.release`, '');
      expect(await service.result('pg-1', { timeout: '10s' })).toMatchObject({ status: 'compensated' });
      const after = await service.get('pg-1');
      expect(after).toMatchObject({ status: 'compensated', compensation: { cause: 'cancel-requested', reason: 'customer left' } });
      expect(stepState(after, 'wait')?.compensation).toMatchObject({ status: 'succeeded', attempt: 1, failures: [] });
    } finally {
      await service.close();
    }
  }, 60_000);
});
