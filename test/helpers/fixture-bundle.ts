/**
 * Child processes of the crash tests run their fixture bundled into one ES module, not
 * through tsx. On Node 20, tsx's module hooks run off-thread and cost ~0.7 s at each start,
 * paid again at each of the hundreds of restarts the crash tests make; a bundle starts in
 * ~0.3 s. Built once per test process with esbuild (the transform tsx itself uses) into
 * node_modules/.cache, so that the packages it leaves external (better-sqlite3, pg) resolve
 * to the repository's own.
 */
import { buildSync } from 'esbuild';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bundles = new Map<string, string>();

/** The path of `fixture` (a TypeScript file) bundled into one ES module that `node` runs as it is. */
export function bundledFixture(fixture: string): string {
  let out = bundles.get(fixture);
  if (out === undefined) {
    // Per process: test files run in parallel, each bundling what it spawns.
    out = join(root, 'node_modules', '.cache', 'rewind-fixtures', `${basename(fixture, '.ts')}-${process.pid}.mjs`);
    buildSync({ entryPoints: [fixture], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', sourcemap: 'inline', logLevel: 'error' });
    bundles.set(fixture, out);
  }
  return out;
}
