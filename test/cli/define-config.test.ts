// `defineConfig` as a project uses it: a rewind.config.mjs in the project's directory that
// imports `rewind/cli` and `rewind/saga` through the package's exports (the built package,
// linked as node_modules/rewind), found and loaded by real commands.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineConfig } from '../../src/cli/index.js';
import { rewind, settledTransfer, useTempDir } from './helpers.js';

const root = new URL('../..', import.meta.url).pathname;
const tmp = useTempDir('define-config');

/** A project directory with the built package installed as `rewind` and a rewind.config.mjs written with defineConfig. */
function project(): string {
  const dir = tmp.path('project');
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(root, join(dir, 'node_modules', 'rewind'), 'dir');
  writeFileSync(join(dir, 'rewind.config.mjs'), `// @ts-check
import { defineConfig } from 'rewind/cli';
import { saga } from 'rewind/saga';

const shipping = saga('shipping', { version: 3 })
  .step('pack', { run: async () => ({ box: 1 }), compensate: async () => {} })
  .step('label', { run: async () => ({}), after: ['pack'] });

export default defineConfig(async () => ({ store: 'sqlite:./app.db', sagas: [shipping] }));
`);
  return dir;
}

describe('defineConfig', () => {
  it('returns the config or the function building it as it is, and refuses a misspelt key at compile time', () => {
    const config = { store: 'sqlite:./rewind.db' };
    expect(defineConfig(config)).toBe(config);
    const build = async () => Promise.resolve(config);
    expect(defineConfig(build)).toBe(build);
    // @ts-expect-error `saga` is not a key of RewindConfig (it is `sagas`).
    defineConfig({ saga: [] });
    // @ts-expect-error the store is a URL or a JournalStore.
    defineConfig(() => ({ store: 5432 }));
  });

  it('makes a rewind.config.mjs that imports rewind/cli, found in the working directory, whose store and sagas the commands use', async () => {
    const dir = project();
    await settledTransfer(join(dir, 'app.db'), 't-1', { ledger: tmp.path('l1.json') });

    const runs = await rewind(['runs', '--json'], { cwd: dir });
    expect([runs.code, runs.stderr]).toEqual([0, '']);
    expect(JSON.parse(runs.stdout)).toMatchObject([{ runId: 't-1', saga: 'transfer', status: 'completed' }]);

    const graph = await rewind(['graph', 'shipping'], { cwd: dir });
    expect([graph.code, graph.stderr]).toEqual([0, '']);
    expect(graph.stdout.split('\n')).toEqual(expect.arrayContaining(['  %% saga shipping v3', '  s0 --> s1']));
  });
});
