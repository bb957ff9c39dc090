/**
 * History benchmark (issue: rewind/history). Recovery: opening a journal of 1,000,000
 * history records and rebuilding a History from it, in seconds, printed beside what merely
 * reading the same records from the journal costs, measured in this same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandRegistry, History } from '../src/history/index.js';
import { openStore, type NewRecord } from '../src/store/index.js';
import { figure, report } from './report.js';

const RECORDS = 1_000_000;
const BATCH = 20_000;
const DEPTH = 100;
const STREAM = 'doc';

const registry = new CommandRegistry();
registry.define('set', (d: { field: string; from: string; to: string }) => ({
  label: `Set ${d.field} to ${d.to}`,
  coalesceKey: d.field,
  execute: () => undefined,
  undo: () => undefined,
}));

/**
 * A valid history stream of `RECORDS` records, as an editing session writes it: mostly
 * new edits, some coalesced into the previous one, some groups of three, undos and redos.
 * Only stack sizes are tracked, which is all that validity depends on.
 */
function* records(): Generator<NewRecord> {
  yield { type: 'config', data: { version: 1, depth: DEPTH } };
  let undo = 0;
  let redo = 0;
  let last = 'execute';
  const set = (i: number) => ({ type: 'set', data: { field: `f${i % 50}`, from: `v${i - 1}`, to: `v${i}` } });
  for (let i = 1; i < RECORDS; i++) {
    const r = (i * 7919) % 100;
    if (r < 15 && undo > 0) {
      yield { type: 'undo' };
      undo--;
      redo++;
      last = 'undo';
    } else if (r < 25 && redo > 0) {
      yield { type: 'redo' };
      redo--;
      undo++;
      last = 'redo';
    } else if (r < 45 && last === 'execute' && undo > 0) {
      yield { type: 'coalesce', data: { command: set(i) } };
    } else {
      const group = r >= 90;
      yield {
        type: 'execute',
        data: group ? { label: `Group ${i}`, commands: [set(i), set(i + 1), set(i + 2)] } : { label: `Set f${i % 50} to v${i}`, commands: [set(i)] },
      };
      undo = Math.min(undo + 1, DEPTH);
      redo = 0;
      last = 'execute';
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'rewind-history-bench-'));
const url = `sqlite:${join(dir, 'history.db')}`;
try {
  {
    const journal = await openStore(url, { durability: 'none' });
    let batch: NewRecord[] = [];
    for (const record of records()) {
      batch.push(record);
      if (batch.length === BATCH) {
        await journal.append(STREAM, batch);
        batch = [];
      }
    }
    if (batch.length > 0) await journal.append(STREAM, batch);
    await journal.close();
  }

  // Baseline: open the journal and read every record of the stream, in the pages replay
  // reads, and nothing else. Runs alternate with the measured ones and the best of each
  // counts, so that the page cache favours neither.
  const readAll = async (): Promise<number> => {
    const start = process.hrtime.bigint();
    const journal = await openStore(url);
    let seq = 0;
    for (;;) {
      const page = await journal.read(STREAM, { fromSeq: seq + 1, limit: 10_000 });
      if (page.length === 0) break;
      seq = page.at(-1)!.seq;
    }
    await journal.close();
    if (seq !== RECORDS) throw new Error(`read ${seq} records, expected ${RECORDS}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  const recover = async (): Promise<{ seconds: number; undo: number; redo: number }> => {
    const start = process.hrtime.bigint();
    const journal = await openStore(url);
    const history = await History.open({ journal, stream: STREAM, registry, depth: DEPTH });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    await journal.close();
    if (history.undoStack.length + history.redoStack.length === 0) throw new Error('rebuilt an empty history');
    return { seconds, undo: history.undoStack.length, redo: history.redoStack.length };
  };
  let readSeconds = Infinity;
  let recoverySeconds = Infinity;
  let history = { undo: 0, redo: 0 };
  for (let round = 0; round < 2; round++) {
    readSeconds = Math.min(readSeconds, await readAll());
    const recovered = await recover();
    recoverySeconds = Math.min(recoverySeconds, recovered.seconds);
    history = recovered;
  }

  figure('history recovery: open a journal of 1,000,000 records and rebuild a History', recoverySeconds, 's',
    `best of 2; ${history.undo} undo and ${history.redo} redo steps rebuilt`);
  report({
    name: 'history recovery, 1,000,000 records',
    value: recoverySeconds,
    baseline: readSeconds,
    unit: 's',
    baselineName: 'open the journal and read the same records, nothing rebuilt',
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
