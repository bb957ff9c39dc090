import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CommandRegistry,
  History,
  HistoryJournalWriteError,
  HistoryReplayFailedError,
  HistoryUnknownCommandTypeError,
  macro,
  type HistoryStep,
} from '../../src/history/index.js';
import { openStore, type Journal } from '../../src/store/index.js';

/** A registry whose commands set fields of `doc` and log what ran. */
function setup() {
  const doc = new Map<string, string>();
  const log: string[] = [];
  const registry = new CommandRegistry();
  const set = registry.define('set', (d: { field: string; from: string | null; to: string; key?: string }) => ({
    label: `set ${d.field}=${d.to}`,
    coalesceKey: d.key,
    execute: () => {
      log.push(`execute ${d.field}=${d.to}`);
      doc.set(d.field, d.to);
    },
    undo: () => {
      log.push(`undo ${d.field}=${d.to}`);
      if (d.from === null) doc.delete(d.field);
      else doc.set(d.field, d.from);
    },
  }));
  /** A command setting `field` to `to`, from its current value. */
  const put = (field: string, to: string, key?: string) => set({ field, from: doc.get(field) ?? null, to, ...(key === undefined ? {} : { key }) });
  return { doc, log, registry, put };
}

/** The stacks as plain data, to compare a reopened history with the original. */
function shape(steps: readonly HistoryStep[]) {
  return steps.map((s) => ({ label: s.label, commands: s.commands.map((c) => c.label) }));
}

const journals: Journal[] = [];
let dir: string | undefined;
async function memoryJournal(): Promise<Journal> {
  const journal = await openStore(':memory:');
  journals.push(journal);
  return journal;
}
afterEach(async () => {
  await Promise.all(journals.splice(0).map((j) => j.close()));
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('durable history', () => {
  it('comes back after a restart with the same undo and redo stacks', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rewind-history-'));
    const url = `sqlite:${join(dir, 'h.db')}`;
    const a = setup();
    const journal = await openStore(url);
    const history = await History.open({ journal, stream: 'doc', registry: a.registry, depth: 10 });
    await history.execute(a.put('title', 'one'));
    await history.execute(a.put('title', 'two'));
    await history.group('Style', async () => {
      await history.execute(a.put('font', 'serif'));
      await history.execute(a.put('size', '12'));
    });
    await history.execute(macro('Both', [a.put('x', '1'), a.put('y', '2')]));
    await history.undo();
    await history.undo();
    await history.close();
    await journal.close();

    const b = setup();
    const reopened = await openStore(url);
    journals.push(reopened);
    const again = await History.open({ journal: reopened, stream: 'doc', registry: b.registry, depth: 10 });
    expect(shape(again.undoStack)).toEqual(shape(history.undoStack));
    expect(shape(again.redoStack)).toEqual(shape(history.redoStack));
    expect(shape(again.redoStack)).toEqual([
      { label: 'Both', commands: ['Both'] },
      { label: 'Style', commands: ['set font=serif', 'set size=12'] },
    ]);
    expect(b.log).toEqual([]);
    await again.redo();
    await again.redo();
    expect(b.log).toEqual(['execute font=serif', 'execute size=12', 'execute x=1', 'execute y=2']);
  });

  it('records every execute, undo and redo as one journal record with a sequence number', async () => {
    const { registry, put } = setup();
    const journal = await memoryJournal();
    const history = await History.open({ journal, stream: 'doc', registry });
    await history.execute(put('a', '1'));
    await history.undo();
    await history.redo();
    expect(await history.undo()).toBe(true);
    expect(await history.redo()).toBe(true);
    expect(await history.redo()).toBe(false);
    const records = await journal.read('doc');
    expect(records.map((r) => [r.seq, r.type])).toEqual([[1, 'config'], [2, 'execute'], [3, 'undo'], [4, 'redo'], [5, 'undo'], [6, 'redo']]);
    expect(records[0]!.data).toEqual({ version: 1, depth: 100 });
    expect(records[1]!.data).toEqual({ label: 'set a=1', commands: [{ type: 'set', data: { field: 'a', from: null, to: '1' } }] });
  });

  it('resolves an execute only after its record is in the journal', async () => {
    const { registry, put } = setup();
    const journal = await memoryJournal();
    const history = await History.open({ journal, stream: 'doc', registry });
    const seen: number[] = [];
    history.onChange(() => void journal.read('doc').then((r) => seen.push(r.length)));
    await history.execute(put('a', '1'));
    expect((await journal.read('doc')).length).toBe(2);
    await history.undo();
    expect((await journal.read('doc')).length).toBe(3);
    expect(seen).toEqual([2, 3]);
  });

  it('rebuilds the stacks on open without running any command', async () => {
    const a = setup();
    const journal = await memoryJournal();
    const history = await History.open({ journal, stream: 'doc', registry: a.registry });
    await history.execute(a.put('a', '1'));
    await history.execute(a.put('b', '2'));
    await history.undo();
    const b = setup();
    const again = await History.open({ journal, stream: 'doc', registry: b.registry });
    expect(b.log).toEqual([]);
    expect([again.undoLabel, again.redoLabel]).toEqual(['set a=1', 'set b=2']);
  });

  it("with replay 'effects', runs the journaled operations again in order to rebuild in-memory state", async () => {
    const a = setup();
    const journal = await memoryJournal();
    const history = await History.open({ journal, stream: 'doc', registry: a.registry });
    await history.execute(a.put('a', '1'));
    await history.execute(a.put('a', '2'));
    await history.execute(macro('m', [a.put('b', '1'), a.put('c', '1')]));
    await history.undo();
    await history.undo();
    await history.redo();
    const b = setup();
    const again = await History.open({ journal, stream: 'doc', registry: b.registry, replay: 'effects' });
    expect([...b.doc]).toEqual([...a.doc]);
    expect(b.log).toEqual(a.log);
    expect(shape(again.undoStack)).toEqual(shape(history.undoStack));
    expect(shape(again.redoStack)).toEqual(shape(history.redoStack));
  });

  it('keeps coalesced runs and groups as one step across a reopen', async () => {
    const a = setup();
    const journal = await memoryJournal();
    let now = 0;
    const history = await History.open({ journal, stream: 'doc', registry: a.registry, clock: () => now });
    for (const text of ['h', 'hi', 'hi!']) {
      await history.execute(a.put('name', text, 'name'));
      now += 100;
    }
    const records = await journal.read('doc');
    expect(records.map((r) => r.type)).toEqual(['config', 'execute', 'coalesce', 'coalesce']);
    const b = setup();
    const again = await History.open({ journal, stream: 'doc', registry: b.registry, clock: () => now });
    expect(shape(again.undoStack)).toEqual([{ label: 'set name=h', commands: ['set name=h', 'set name=hi', 'set name=hi!'] }]);
    // A run does not continue across a reopen: the next edit is a new step.
    await again.execute(b.put('name', 'hi!!', 'name'));
    expect(again.undoStack).toHaveLength(2);
  });

  it('replays the depth bound exactly, and drops the oldest steps when reopened with a lower depth', async () => {
    const a = setup();
    const journal = await memoryJournal();
    const history = await History.open({ journal, stream: 'doc', registry: a.registry, depth: 3 });
    for (let i = 1; i <= 5; i++) await history.execute(a.put('n', String(i)));
    await history.undo();
    await history.undo();
    await history.undo();
    const same = await History.open({ journal, stream: 'doc', registry: setup().registry, depth: 3 });
    expect(shape(same.undoStack)).toEqual([]);
    expect(shape(same.redoStack)).toEqual(shape(history.redoStack));

    const lower = await History.open({ journal, stream: 'doc', registry: setup().registry, depth: 2 });
    expect(shape(lower.redoStack).map((s) => s.label)).toEqual(['set n=4', 'set n=3']);
    const records = await journal.read('doc');
    expect(records.at(-1)).toMatchObject({ type: 'config', data: { version: 1, depth: 2 } });
    const afterLower = await History.open({ journal, stream: 'doc', registry: setup().registry, depth: 2 });
    expect(shape(afterLower.redoStack)).toEqual(shape(lower.redoStack));
    expect((await journal.read('doc')).length).toBe(records.length);
  });

  it('fails the open at an unknown command type in the journal, naming the type and the record', async () => {
    const a = setup();
    const journal = await memoryJournal();
    const history = await History.open({ journal, stream: 'doc', registry: a.registry, depth: 1 });
    await history.execute(a.put('a', '1'));
    await history.execute(a.put('a', '2'));
    const error = await History.open({ journal, stream: 'doc', registry: new CommandRegistry(), depth: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryUnknownCommandTypeError);
    // Record 2's step was dropped by the depth bound, yet the open still fails there.
    expect(error).toMatchObject({ type: 'set', stream: 'doc', seq: 2 });
    expect((error as Error).message).toBe(
      'Record 2 of history stream "doc" holds command type "set", which the registry does not define. ' +
        'Define it with registry.define("set", ...) before opening the history.',
    );
  });

  it('fails the open of a stream that is not a valid history, naming the record', async () => {
    const journal = await memoryJournal();
    await journal.append('not-config', [{ type: 'undo' }]);
    await expect(History.open({ journal, stream: 'not-config', registry: new CommandRegistry() })).rejects.toThrow(
      'History stream "not-config" cannot be replayed at record 1: the stream starts with a "undo" record, not a config record.',
    );
    await journal.append('bad-undo', [{ type: 'config', data: { version: 1, depth: 5 } }, { type: 'undo' }]);
    await expect(History.open({ journal, stream: 'bad-undo', registry: new CommandRegistry() })).rejects.toMatchObject({
      code: 'HISTORY_REPLAY_FAILED', seq: 2, message: expect.stringContaining('an undo has no step to undo') as unknown,
    });
    await journal.append('odd', [{ type: 'config', data: { version: 1, depth: 5 } }, { type: 'checkpoint', data: {} }]);
    await expect(History.open({ journal, stream: 'odd', registry: new CommandRegistry() })).rejects.toBeInstanceOf(HistoryReplayFailedError);
    await journal.append('future', [{ type: 'config', data: { version: 2, depth: 5 } }]);
    await expect(History.open({ journal, stream: 'future', registry: new CommandRegistry() })).rejects.toThrow(/not format 1/);
  });

  it('refuses, before running it, a command a durable history could not rebuild', async () => {
    const { registry, log } = setup();
    const journal = await memoryJournal();
    const history = await History.open({ journal, stream: 'doc', registry });
    const plain = { label: 'plain', execute: () => void log.push('ran'), undo: () => undefined };
    await expect(history.execute(plain)).rejects.toThrow(/command "plain" type must be a command made by a registry.define factory/);
    const other = new CommandRegistry().define('other', () => ({ label: 'other', execute: () => void log.push('ran'), undo: () => undefined }));
    await expect(history.execute(other())).rejects.toBeInstanceOf(HistoryUnknownCommandTypeError);
    const odd = registry.define('odd', (d: { when: unknown }) => ({ label: 'odd', execute: () => void log.push(String(d.when)), undo: () => undefined }));
    await expect(history.execute(odd({ when: new Date(0) }))).rejects.toThrow(/command "odd" data.when must be JSON/);
    await expect(history.group('G', () => history.execute(plain))).rejects.toThrow(/group function threw/);
    expect(log).toEqual([]);
    expect((await journal.read('doc')).length).toBe(1);
  });

  it('reverses an operation whose record cannot be written, and detects a second writer as a conflict', async () => {
    const { registry, put, doc } = setup();
    const journal = await memoryJournal();
    const history = await History.open({ journal, stream: 'doc', registry });
    await history.execute(put('a', '1'));
    await journal.append('doc', [{ type: 'undo' }]);
    const error = await history.execute(put('a', '2')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryJournalWriteError);
    expect(error).toMatchObject({ phase: 'execute', label: 'set a=2', stream: 'doc', cause: { code: 'JOURNAL_CONFLICT' } });
    expect((error as Error).message).toMatch(/^The execute of "set a=2" could not be recorded in history stream "doc" \(.*\); it was reversed and the history is unchanged\.$/);
    expect(doc.get('a')).toBe('1');
    await expect(history.undo()).rejects.toMatchObject({ phase: 'undo', label: 'set a=1' });
    expect(doc.get('a')).toBe('1');
    expect([history.undoLabel, history.canRedo]).toEqual(['set a=1', false]);
  });

  it('reports both when an operation cannot be recorded and cannot be reversed either', async () => {
    const registry = new CommandRegistry();
    const sticky = registry.define('sticky', () => ({ label: 'Sticky', execute: () => undefined, undo: () => { throw new Error('stuck'); } }));
    const journal = await memoryJournal();
    const history = await History.open({ journal, stream: 'doc', registry });
    await journal.append('doc', [{ type: 'undo' }]);
    const error = await history.execute(sticky()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HISTORY_JOURNAL_WRITE_FAILED', reverseError: { code: 'HISTORY_COMMAND_FAILED', phase: 'undo' } });
    expect((error as Error).message).toMatch(/reversing it failed too \(Undo of "Sticky" failed: stuck\. .*\), so its effect remains although the history does not list it\.$/);
    expect(history.canUndo).toBe(false);
  });

  it('writes no record for a command that fails', async () => {
    const registry = new CommandRegistry();
    const broken = registry.define('broken', () => ({ label: 'Broken', execute: () => { throw new Error('no'); }, undo: () => undefined }));
    const journal = await memoryJournal();
    const history = await History.open({ journal, stream: 'doc', registry });
    await expect(history.execute(broken())).rejects.toMatchObject({ code: 'HISTORY_COMMAND_FAILED' });
    expect((await journal.read('doc')).map((r) => r.type)).toEqual(['config']);
  });
});
