import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, unknown>;
  bin: Record<string, string>;
};

/** Runs an ES module snippet in a fresh node process, from the package root, on the built dist. */
function runInChild(code: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    cwd: new URL('..', import.meta.url),
    timeout: 20_000,
  });
}

describe('the built package', () => {
  it('exposes every subpath in package.json exports from dist', () => {
    const subpaths = Object.keys(pkg.exports).filter((s) => s !== './package.json');
    const code = `
      const out = {};
      for (const sub of ${JSON.stringify(subpaths)}) {
        const name = sub === '.' ? 'rewind' : 'rewind/' + sub.slice(2);
        out[sub] = Object.keys(await import(name)).length;
      }
      console.log(JSON.stringify(out));`;
    const counts = JSON.parse(runInChild(code)) as Record<string, number>;
    for (const sub of subpaths) expect(counts[sub], sub).toBeGreaterThan(0);
  });

  it('ships the TypeScript sources its source and declaration maps point to, so go-to-definition lands in them', () => {
    const root = new URL('..', import.meta.url);
    // Scripts off: the pack would run prepare and build again; the tests run on a fresh build.
    const listing = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const shipped = new Set((JSON.parse(listing) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
    const maps = [...shipped].filter((path) => path.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(new URL(map, root), 'utf8')) as { sources: string[] };
      for (const source of sources) {
        const path = posix.normalize(posix.join(posix.dirname(map), source));
        if (!shipped.has(path)) missing.push(`${map} -> ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('loads no database driver when rewind is imported', () => {
    const code = `
      import { createRequire } from 'node:module';
      for (const name of ['rewind', 'rewind/scope', 'rewind/state', 'rewind/history', 'rewind/store']) await import(name);
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(loaded.filter((p) => /node_modules\\/(better-sqlite3|pg)\\//.test(p))));`;
    expect(JSON.parse(runInChild(code))).toEqual([]);
  });

  it('lists the public API of rewind/scope', () => {
    const names = JSON.parse(runInChild("console.log(JSON.stringify(Object.keys(await import('rewind/scope')).sort()))")) as string[];
    expect(names).toEqual([
      'CanceledError',
      'DeadlineExceededError',
      'Scope',
      'ScopeClosedError',
      'TaskLeakError',
      'isCancellation',
      'onCancelLatency',
      'onTaskLeak',
      'queryWithSignal',
      'sleep',
    ]);
  });

  it('ships a runnable rewind binary whose scope demo shows the cancellation and the cleanups', () => {
    const output = execFileSync(process.execPath, [new URL(`../${pkg.bin['rewind']}`, import.meta.url).pathname, 'demo', 'scope'], { encoding: 'utf8' });
    const events = output.split('\n').map((l) => l.replace(/^\s*\d+ ms\s+/, '')).filter(Boolean);
    const index = (prefix: string) => events.findIndex((e) => e.startsWith(prefix));
    expect(index('task "stock" failed')).toBeGreaterThan(0);
    expect(index('task "prices" stopped: Scope "server/request" was canceled: task "stock" failed')).toBeGreaterThan(index('task "stock" failed'));
    expect(index('shielded compensation')).toBeGreaterThan(index('task "prices" stopped'));
    expect(index('cleanup: release the database connection')).toBeGreaterThan(index('cleanup: close the response stream'));
    expect(events.at(-1)).toBe('request failed: stock service answered 503');
  });

  it('does not keep the process alive after a scope with a timeout is closed', () => {
    // runInChild kills the child after 20 s and throws; a lingering 30-minute timer would.
    const out = runInChild("const { Scope } = await import('rewind/scope'); const s = Scope.root({ timeout: '1h' }); s.child({ timeout: '30m' }); await s.close(); console.log('closed');");
    expect(out.trim()).toBe('closed');
  });
});
