import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { History } from '../../src/history/index.js';
import { openStore } from '../../src/store/index.js';
import { COALESCE_WINDOW_MS, DEPTH, STREAM, crashRegistry, model, stacksOf, type Op } from './fixtures/history-commands.js';
import { bundledFixture } from '../helpers/fixture-bundle.js';

const KILLS = 15;
const WORKER = join(import.meta.dirname, 'fixtures', 'history-worker.ts');
const dir = mkdtempSync(join(tmpdir(), 'rewind-history-crash-'));
const dbFile = join(dir, 'history.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Round {
  /** Operations acknowledged in this round, in order. */
  readonly acked: Op[];
  /** The operation begun and not acknowledged when the worker was killed, if any. */
  readonly inFlight: Op | undefined;
}

/** Runs the worker, lets it work for `runMs` after it is ready, kills it with SIGKILL and parses what it printed. */
function runAndKill(runMs: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundledFixture(WORKER), dbFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (!out.includes('READY\n') && (out + chunk).includes('READY\n')) setTimeout(() => child.kill('SIGKILL'), runMs);
      out += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`worker exited with ${code ?? signal} before it was killed:\n${err}`));
        return;
      }
      // A line cut by the kill has no newline: it was never completely printed, so it does not count.
      const lines = out.split('\n').slice(0, -1);
      const acked: Op[] = [];
      let inFlight: Op | undefined;
      for (const line of lines) {
        if (line.startsWith('BEGIN ')) inFlight = JSON.parse(line.slice(6)) as Op;
        if (line.startsWith('ACK ')) {
          acked.push(JSON.parse(line.slice(4)) as Op);
          inFlight = undefined;
        }
      }
      resolve({ acked, inFlight });
    });
  });
}

/** Opens the history as a restarted process would, and returns its stacks and its journaled operations. */
async function reopen(): Promise<{ stacks: ReturnType<typeof stacksOf>; ops: { type: string }[] }> {
  const journal = await openStore(`sqlite:${dbFile}`, { durability: 'always' });
  try {
    const history = await History.open({ journal, stream: STREAM, registry: crashRegistry().registry, depth: DEPTH, coalesceWindow: COALESCE_WINDOW_MS });
    const ops = (await journal.read(STREAM)).filter((r) => r.type !== 'config');
    return { stacks: stacksOf(history), ops };
  } finally {
    await journal.close();
  }
}

describe('durable history under SIGKILL', () => {
  it('comes back after each kill with the stacks of exactly the acknowledged operations, plus at most the one in flight', async () => {
    const acknowledged: Op[] = [];
    let inFlightLanded = 0;
    let inFlightLost = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const round = await runAndKill(50 + Math.floor(Math.random() * 400));
      acknowledged.push(...round.acked);
      const after = await reopen();
      // Every acknowledged operation is in the journal; beyond them, only the one in flight may be.
      expect(after.ops.length === acknowledged.length || (round.inFlight !== undefined && after.ops.length === acknowledged.length + 1)).toBe(true);
      if (after.ops.length === acknowledged.length + 1) {
        const landed = round.inFlight!;
        // Whether an in-flight execute joined the top step is what its record says.
        acknowledged.push(landed.op === 'execute' ? { ...landed, coalesced: after.ops.at(-1)!.type === 'coalesce' } : landed);
        inFlightLanded++;
      } else if (round.inFlight !== undefined) {
        inFlightLost++;
      }
      expect(after.stacks).toEqual(stacksOf(await model(acknowledged)));
    }
    console.log(`history crash test: ${KILLS} kills, ${acknowledged.length} operations; in flight at the kill: ${inFlightLanded} landed, ${inFlightLost} lost`);
    expect(acknowledged.length).toBeGreaterThan(KILLS);
  }, 60_000);
});
