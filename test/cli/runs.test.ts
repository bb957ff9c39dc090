import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/saga/index.js';
import { audit } from '../fixtures/cli/transfer.js';
import { rewind, settledTransfer, useTempDir, withEngine } from './helpers.js';

const tmp = useTempDir('runs');

/** A store with a completed and a compensated transfer, and an audit run. */
async function seeded(): Promise<string> {
  const db = tmp.path(`runs-${Math.random().toString(36).slice(2)}.db`);
  await settledTransfer(db, 't-ok', { ledger: tmp.path('ledger.json') });
  await settledTransfer(db, 't-failed', { ledger: tmp.path('ledger.json'), failAt: 'debit' });
  await withEngine(db, async (engine) => void (await (await engine.start(audit, { note: 'x' }, { id: 'a-1' })).result()));
  return db;
}

describe('rewind runs', () => {
  it('lists every run in the store as a table, newest first, as SagaInspector.list() sees them', async () => {
    const db = await seeded();
    const { code, stdout, stderr } = await rewind(['runs', '--store', `sqlite:${db}`]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^RUN\s+SAGA\s+STATUS\s+STARTED\s+UPDATED\s+STUCK BECAUSE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4).join(' '))).toEqual([
      'a-1 audit v1 completed',
      't-failed transfer v2 compensated',
      't-ok transfer v2 completed',
    ]);
  });

  it('filters by status and saga, and prints the summaries as JSON', async () => {
    const db = await seeded();
    const { code, stdout } = await rewind(['runs', '--store', `sqlite:${db}`, '--status', 'completed,compensated', '--saga', 'transfer', '--json']);
    expect(code).toBe(0);
    const runs = JSON.parse(stdout) as RunSummary[];
    expect(runs.map((r) => [r.runId, r.status]).sort()).toEqual([['t-failed', 'compensated'], ['t-ok', 'completed']]);
    expect(typeof runs[0]!.startedAt).toBe('number');
    const stuck = await rewind(['runs', '--store', `sqlite:${db}`, '--status', 'stuck']);
    expect(stuck.stdout).toBe('No runs match these filters.');
  });

  it('keeps the newest runs under --limit and says that it left some out; --since takes a duration or a date', async () => {
    const db = await seeded();
    const limited = await rewind(['runs', '--store', `sqlite:${db}`, '--limit', '1']);
    expect(limited.stdout.split('\n')[1]).toMatch(/^a-1 /);
    expect(limited.stdout).toMatch(/\(more runs not shown; raise --limit\)$/);
    expect((await rewind(['runs', '--store', `sqlite:${db}`, '--limit', '3'])).stdout).not.toContain('not shown');
    expect(JSON.parse((await rewind(['runs', '--store', `sqlite:${db}`, '--since', '1h', '--json'])).stdout)).toHaveLength(3);
    expect(JSON.parse((await rewind(['runs', '--store', `sqlite:${db}`, '--since', '2999-01-01', '--json'])).stdout)).toEqual([]);
  });

  it('refuses bad filter values as usage errors before opening anything', async () => {
    for (const args of [['--status', 'finished'], ['--limit', '0'], ['--since', 'yesterday']]) {
      const { code, stderr } = await rewind(['runs', '--store', 'sqlite:/nonexistent/x.db', ...args]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^rewind: option '--\w+ <\w+>' argument '.*' is invalid\. expected/);
    }
  });

  it('reads the store from REWIND_STORE when --store is not given, and --store wins over it', async () => {
    const db = await seeded();
    expect((await rewind(['runs', '--json'], { env: { REWIND_STORE: `sqlite:${db}` } })).code).toBe(0);
    const wins = await rewind(['runs', '--store', 'sqlite:/nonexistent/x.db'], { env: { REWIND_STORE: `sqlite:${db}` } });
    expect(wins.code).toBe(5);
    expect(wins.stderr).toBe('rewind: No journal at /nonexistent/x.db (from --store sqlite:/nonexistent/x.db). Check the path; rewind creates a journal only for rewind demo.');
  });

  it('refuses a --store sqlite: file missing from a folder that exists, given absolute or relative to the working directory, with exit 5 and one line on stderr, and creates no file', async () => {
    const missing = tmp.path('missing.db');
    for (const [spec, cwd] of [[`sqlite:${missing}`, process.cwd()], ['sqlite:missing.db', tmp.dir]] as const) {
      const { code, stdout, stderr } = await rewind(['runs', '--store', spec], { cwd });
      expect([code, stdout]).toEqual([5, '']);
      expect(stderr).toBe(`rewind: No journal at ${missing} (from --store ${spec}). Check the path; rewind creates a journal only for rewind demo.`);
      expect(readdirSync(tmp.dir).filter((name) => name.startsWith('missing.db'))).toEqual([]);
    }
  });

  it('colours statuses only when the output allows it, and never under --no-color or NO_COLOR', async () => {
    const db = await seeded();
    const lines: string[] = [];
    const output = { line: (t: string) => void lines.push(t), error: () => undefined, color: true };
    const { runCli } = await import('../../src/cli/index.js');
    await runCli(['runs', '--store', `sqlite:${db}`], { output, env: {} });
    expect(lines.join('\n')).toContain('\x1b[32mcompleted\x1b[0m');
    lines.length = 0;
    await runCli(['runs', '--store', `sqlite:${db}`, '--no-color'], { output, env: {} });
    await runCli(['runs', '--store', `sqlite:${db}`], { output, env: { NO_COLOR: '1' } });
    expect(lines.join('\n')).not.toContain('\x1b[');
  });
});
