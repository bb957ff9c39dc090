/**
 * Kill -9 test of the journal under each durability policy (README: a process crash loses
 * nothing acknowledged, whatever the policy): a child appends from several concurrent
 * appenders and prints each append only once it resolved; the parent kills it with SIGKILL
 * at random moments, dozens of times, and after each kill checks that every printed append
 * is in the journal and that every stream is numbered 1..n without gaps.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Durability, type StoreWarning } from '../../src/store/index.js';
import { bundledFixture } from '../helpers/fixture-bundle.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'journal-appender.ts');
// Fewer kills for `interval` and `none` keep this file's run time down.
const POLICIES: { durability: Durability; kills: number }[] = [
  { durability: 'always', kills: 50 },
  { durability: 'interval', kills: 15 },
  { durability: 'none', kills: 15 },
];
const dir = mkdtempSync(join(tmpdir(), 'rewind-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child until READY, lets it append for 20-150 ms, SIGKILLs it; returns its complete output lines. */
async function runAndKill(file: string, durability: Durability): Promise<string[]> {
  const child = spawn(process.execPath, [bundledFixture(FIXTURE), file, durability], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child not READY in 20 s; stderr: ${err}`)), 20_000);
    const check = (): void => {
      if (out.includes('READY\n')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`child exited before READY (${String(how)}); stderr: ${err}`));
    });
  });
  await ready;
  await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 130));
  child.kill('SIGKILL');
  const how = await exited;
  if (how !== 'SIGKILL') throw new Error(`child ended by ${String(how)} before the kill; stderr: ${err}`);
  // A line cut by the kill was never fully printed: only complete lines count.
  return out.slice(0, out.lastIndexOf('\n') + 1).split('\n').filter((line) => line !== '' && line !== 'READY');
}

describe('journal crash safety', () => {
  it.each(POLICIES)('keeps every acknowledged append and gap-free streams across $kills SIGKILLs with durability $durability', async ({ durability, kills }) => {
    const file = join(dir, `crash-${durability}.db`);
    const acknowledged = new Map<string, number>();
    let printed = 0;
    for (let kill = 1; kill <= kills; kill++) {
      for (const line of await runAndKill(file, durability)) {
        const [stream, , last] = line.split(' ');
        acknowledged.set(stream!, Math.max(acknowledged.get(stream!) ?? 0, Number(last)));
        printed++;
      }
      const warnings: StoreWarning[] = [];
      const journal = await openStore(`sqlite:${file}`, { onWarning: (w) => warnings.push(w) });
      try {
        expect(warnings, `after kill ${kill}`).toEqual([]);
        const streams = new Map((await journal.streams()).map((s) => [s.stream, s.lastSeq]));
        for (const [stream, seq] of acknowledged) {
          expect(streams.get(stream) ?? 0, `${stream} after kill ${kill}`).toBeGreaterThanOrEqual(seq);
        }
        for (const [stream, lastSeq] of streams) {
          const records = await journal.read(stream);
          expect(records.map((r) => r.seq), `${stream} after kill ${kill}`).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
          if (stream.startsWith('appender-')) {
            expect(records.every((r) => (r.data as { seq: number }).seq === r.seq), `${stream} data after kill ${kill}`).toBe(true);
          }
        }
      } finally {
        await journal.close();
      }
    }
    expect(acknowledged.size).toBe(9);
    expect(printed).toBeGreaterThan(kills * 10);
  }, 150_000);
});
