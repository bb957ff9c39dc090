import { describe, expect, it } from 'vitest';
import type { RecoveryReport } from '../../src/cli/commands/recover.js';
import { ledger } from '../fixtures/cli/ledger.js';
import { hold, transfer } from '../fixtures/cli/transfer.js';
import { CONFIG, restingRun, rewind, settledTransfer, stateOf, useTempDir } from './helpers.js';

const tmp = useTempDir('recover');

describe('rewind recover', () => {
  it('resumes every unfinished run with the config sagas, waits until they settle, and reports counts', async () => {
    const db = tmp.path('recover.db');
    const book = tmp.path('l1.json');
    await restingRun(db, transfer, 'r-1', { ledger: book, flaky: 'credit' });
    await restingRun(db, transfer, 'r-2', { ledger: book, flaky: 'credit' });
    await settledTransfer(db, 'done', { ledger: book });
    expect((await stateOf(db, 'r-1')).status).toBe('running');

    const { code, stdout, stderr } = await rewind(['recover', '--store', `sqlite:${db}`, '--config', CONFIG]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^2 unfinished run\(s\) found, recovery took \d/);
    expect(stdout).toMatch(/\n {2}completed +2 +resumed and completed/);
    // Not a terminal: one plain progress line per settled run, on stderr.
    expect(stderr).toMatch(/^recovering 1\/2: r-\d completed\nrecovering 2\/2: r-\d completed$/);
    expect(stderr.split('\n').map((line) => line.slice(line.indexOf(': ') + 2)).sort()).toEqual(['r-1 completed', 'r-2 completed']);
    for (const runId of ['r-1', 'r-2']) expect((await stateOf(db, runId)).status).toBe('completed');
    expect(ledger(book).entries()).toContain('r-1:credit');
  });

  it('draws a bar in place when the output is a terminal', async () => {
    const db = tmp.path('tty.db');
    await restingRun(db, transfer, 'r-3', { ledger: tmp.path('l2.json'), flaky: 'credit' });
    const frames: string[] = [];
    const { runCli } = await import('../../src/cli/index.js');
    const code = await runCli(['recover', '--store', `sqlite:${db}`, '--config', CONFIG], {
      output: { line: () => undefined, error: () => undefined, status: (t) => void frames.push(t) },
      env: {},
    });
    expect(code).toBe(0);
    expect(frames).toEqual(['recovering [------------------------] 0/1', 'recovering [########################] 1/1  r-3 completed']);
  });

  it('exits 7 when runs do not settle within --timeout or their saga is not in the config, listing them', async () => {
    const db = tmp.path('slow.db');
    await restingRun(db, hold, 'h-1', { ledger: tmp.path('l3.json'), flaky: 'confirm' });
    const { code, stdout, stderr } = await rewind(['recover', '--timeout', '200ms', '--json', '--store', `sqlite:${db}`, '--config', CONFIG]);
    expect(code).toBe(7);
    const report = JSON.parse(stdout) as RecoveryReport;
    expect(report.runs).toEqual([{ runId: 'h-1', saga: 'hold', version: 1, before: 'running', result: 'unsettled' }]);
    expect(report.counts).toMatchObject({ unsettled: 1, completed: 0 });
    expect(stderr).toBe('rewind: 1 run(s) did not settle within 200 ms and 0 could not be resumed. Run rewind recover again, with a longer --timeout.');
    expect((await stateOf(db, 'h-1')).status).toBe('running');
  });

  it('needs a config with sagas (exit 2), and says so when there is nothing to recover', async () => {
    const db = tmp.path('none.db');
    await settledTransfer(db, 'done', { ledger: tmp.path('l4.json') });
    const none = await rewind(['recover', '--store', `sqlite:${db}`], { cwd: tmp.dir });
    expect([none.code, none.stderr]).toEqual([2, 'rewind: rewind recover needs the saga definitions to resume runs with. Name a config module exporting sagas with --config.']);
    const nothing = await rewind(['recover', '--store', `sqlite:${db}`, '--config', CONFIG]);
    expect([nothing.code, nothing.stdout]).toEqual([0, 'No unfinished runs: nothing to recover.']);
  });
});
