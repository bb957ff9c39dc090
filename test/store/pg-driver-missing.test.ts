/**
 * Without `pg` installed, importing the store loads nothing and opening a PostgreSQL store
 * says how to install the driver. Run in a child process where resolving `pg` fails.
 * (That importing `rewind` loads no driver is checked on the built package, in
 * test/package.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

describe('PostgreSQL store without the pg driver', () => {
  it('fails open with StoreDriverMissingError naming `npm install pg`, by URL and by instance', () => {
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', join(here, 'fixtures', 'open-without-pg.ts')],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const results = JSON.parse(out.trim()) as { code: string; command: string; message: string }[];
    expect(results).toHaveLength(2);
    for (const result of results) {
      expect(result).toMatchObject({ name: 'StoreDriverMissingError', code: 'STORE_DRIVER_MISSING', command: 'npm install pg' });
      expect(result.message).toContain('Run: npm install pg');
    }
  });
});
