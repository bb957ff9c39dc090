import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBrokenConfig, writeShippingConfig, writeThrowingConfig } from '../fixtures/cli/js-configs.js';
import { CONFIG, rewind, settledTransfer, useTempDir } from './helpers.js';

const tmp = useTempDir('config');

describe('rewind --config', () => {
  it('loads a TypeScript config through tsx on Node 20 (the sagas from the fixture)', async () => {
    const { code, stdout } = await rewind(['graph', 'audit', '--config', CONFIG]);
    expect(code).toBe(0);
    expect(stdout).toContain('s0["record<br/>no compensation"]');
  });

  it('loads a JavaScript config whose default export is an async function, marking TCC steps', async () => {
    const file = writeShippingConfig(tmp.path(''), undefined, 'shipping.config.mjs');
    const { code, stdout } = await rewind(['graph', 'shipping', '--config', file]);
    expect(code).toBe(0);
    expect(stdout).toContain('  s1{{"courier<br/>try / confirm / cancel"}}');
    expect(stdout).toContain('  s1 --> s2');
  });

  it("takes the store from the config when neither --store nor REWIND_STORE is given, relative paths from the working directory", async () => {
    const dir = tmp.path('project');
    mkdirSync(dir);
    await settledTransfer(join(dir, 'app.db'), 't-1', { ledger: tmp.path('l1.json') });
    writeShippingConfig(dir, 'sqlite:./app.db');
    // Found as rewind.config.mjs in the working directory.
    const { code, stdout } = await rewind(['runs', '--json'], { cwd: dir });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject([{ runId: 't-1', status: 'completed' }]);
    // REWIND_CONFIG names one elsewhere.
    const elsewhere = await rewind(['runs', '--json'], { cwd: tmp.dir, env: { REWIND_CONFIG: join(dir, 'rewind.config.mjs') } });
    expect(elsewhere.stderr).toBe(`rewind: No journal at ${join(tmp.dir, 'app.db')} (from store in ${join(dir, 'rewind.config.mjs')}). Check the path; rewind creates a journal only for rewind demo.`);
  });

  it('refuses a config of the wrong shape with exit 2, saying what to export', async () => {
    const file = writeBrokenConfig(tmp.dir);
    const { code, stderr } = await rewind(['graph', 'x', '--config', file]);
    expect(code).toBe(2);
    expect(stderr).toBe(`rewind: Cannot use config ${file}: sagas[0] is not a saga definition. List definitions built with saga() (not the functions that build them).`);
  });

  it('exits 3 for a config file that does not exist, and 1 with the error for a config that throws', async () => {
    const missing = await rewind(['graph', 'x', '--config', 'nope.config.mjs'], { cwd: tmp.dir });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe(`rewind: config module ${join(tmp.dir, 'nope.config.mjs')} was not found. Check the path (it is relative to the current directory).`);
    const throwing = await rewind(['graph', 'x', '--config', writeThrowingConfig(tmp.dir)]);
    expect([throwing.code, throwing.stderr]).toEqual([1, 'rewind: cannot reach the payments service at 10.0.0.7']);
  });

  it('does not load a config the command does not need (a --store given to runs)', async () => {
    const db = tmp.path('direct.db');
    await settledTransfer(db, 't-2', { ledger: tmp.path('l2.json') });
    const { code } = await rewind(['runs', '--store', `sqlite:${db}`, '--config', writeThrowingConfig(tmp.dir)]);
    expect(code).toBe(0);
  });
});
