/**
 * Runs every `bench/*.bench.ts` in its own process (so heap figures are not polluted by
 * other benchmarks), one after another, with `--expose-gc`. `npm run bench -- scope` runs
 * only files whose name contains `scope`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n== ${file}`);
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', '--max-old-space-size=8192', '--stack-size=984', '--import', 'tsx', join(here, file)],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) {
    failed++;
    console.log(`!! ${file} exited with ${result.status ?? result.signal}`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
