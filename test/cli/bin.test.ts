// The built binary (`npm run build` first), in a real process: the exit codes a script
// sees, and the config loaders as they run outside vitest (tsx for TypeScript, plain
// import for JavaScript, a clear error when TypeScript cannot be loaded).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeShippingConfig } from '../fixtures/cli/js-configs.js';
import { CONFIG, settledTransfer, useTempDir } from './helpers.js';

const root = new URL('../..', import.meta.url).pathname;
const tmp = useTempDir('bin');

function bin(args: readonly string[], options: { cwd?: string; binary?: string } = {}): { code: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env['REWIND_STORE'];
  delete env['REWIND_CONFIG'];
  const result = spawnSync(process.execPath, [options.binary ?? join(root, 'dist/cli/bin.js'), ...args], {
    encoding: 'utf8', cwd: options.cwd ?? tmp.dir, env, timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the rewind binary', () => {
  it('exits 0 with the runs, 3 for a run that does not exist, 2 for a usage error, each error on one line', async () => {
    const db = tmp.path('bin.db');
    await settledTransfer(db, 't-1', { ledger: tmp.path('l1.json') });
    const ok = bin(['runs', '--store', `sqlite:${db}`]);
    expect([ok.code, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout).toMatch(/\nt-1 +transfer v2 +completed /);

    const missing = bin(['show', 'order-404', '--store', `sqlite:${db}`]);
    expect([missing.code, missing.stdout]).toEqual([3, '']);
    expect(missing.stderr).toBe('rewind: Cannot get saga run "order-404": no run with this id exists in the journal. Check the id (engine.list() shows the runs).\n');

    const usage = bin(['runs', '--bogus']);
    expect([usage.code, usage.stderr]).toEqual([2, "rewind: unknown option '--bogus'\n"]);
    const unknown = bin(['frobnicate']);
    expect([unknown.code, unknown.stderr]).toEqual([2, "rewind: unknown command 'frobnicate'\n"]);
  });

  it('prints help with the exit code table and exits 0', () => {
    const help = bin(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:\n  0  ok\n  1  unexpected error');
  });

  it('loads a TypeScript config through tsx and a JavaScript config over the built package', () => {
    const ts = bin(['graph', 'transfer', '--config', CONFIG, '--format', 'dot']);
    expect([ts.code, ts.stderr]).toEqual([0, '']);
    expect(ts.stdout).toContain('"reserve" -> "credit";');
    const mjs = bin(['graph', 'shipping', '--config', writeShippingConfig(tmp.dir)]);
    expect([mjs.code, mjs.stderr]).toEqual([0, '']);
    expect(mjs.stdout).toContain('s1{{"courier<br/>try / confirm / cancel"}}');
  });

  it('says how to load a TypeScript config when tsx is not installed (exit 2)', () => {
    // A copy of the package whose node_modules has everything but tsx.
    const pkg = tmp.path('no-tsx');
    mkdirSync(join(pkg, 'node_modules'), { recursive: true });
    cpSync(join(root, 'dist'), join(pkg, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
    for (const name of readdirSync(join(root, 'node_modules'))) {
      if (name !== 'tsx' && !name.startsWith('.')) symlinkSync(join(root, 'node_modules', name), join(pkg, 'node_modules', name));
    }
    const config = join(pkg, 'rewind.config.ts');
    cpSync(CONFIG, config);
    const result = bin(['graph', 'transfer', '--config', config], { binary: join(pkg, 'dist/cli/bin.js'), cwd: pkg });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`rewind: Cannot use config ${config}: Node ${process.versions.node} does not load TypeScript by itself and tsx is not installed. `
      + 'Install tsx (npm install -D tsx), run rewind under a TypeScript loader (node --import tsx), or write the module as .mjs.\n');
  });
});
