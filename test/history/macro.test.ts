import { describe, expect, it } from 'vitest';
import { History, HistoryMacroFailedError, macro } from '../../src/history/index.js';
import { Doc, failing, labels } from './helpers.js';

describe('macro', () => {
  it('runs its commands in order and is one undo step', async () => {
    const doc = new Doc();
    const history = new History();
    await history.execute(macro('Title', [doc.set('bold', 'yes'), doc.set('size', '24')]));
    expect(doc.log).toEqual(['execute bold=yes', 'execute size=24']);
    expect(labels(history.undoStack)).toEqual(['Title']);
    await history.undo();
    expect(doc.log.slice(2)).toEqual(['undo size=24', 'undo bold=yes']);
  });

  it('undoes the commands that ran, in reverse, and fails as one unit when one fails', async () => {
    const doc = new Doc();
    const history = new History();
    const error = await history
      .execute(macro('Title', [doc.set('a', '1'), doc.set('b', '2'), failing('Broken', 'execute', doc.log), doc.set('c', '3')]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryMacroFailedError);
    expect(error).toMatchObject({ label: 'Title', command: 'Broken', phase: 'execute', rollbackFailures: [] });
    expect((error as Error).cause).toEqual(new Error('Broken broke in execute'));
    expect(doc.log).toEqual(['execute a=1', 'execute b=2', 'execute Broken', 'undo b=2', 'undo a=1']);
    expect(history.canUndo).toBe(false);
  });

  it('reports both the failure and an undo that failed during the rollback', async () => {
    const log: string[] = [];
    const error = await macro('M', [failing('Sticky', 'undo', log), failing('Broken', 'execute', log)])
      .execute()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ command: 'Broken', rollbackFailures: [{ command: 'Sticky', phase: 'undo' }] });
    expect((error as Error).message).toBe(
      '"M" failed as one unit: execute of "Broken" threw: Broken broke in execute. Rolling back failed too: ' +
        'undo of "Sticky" threw: Sticky broke in undo. Effects may be partly applied; check them before going on.',
    );
  });

  it('redoes what it had undone and stays on the undo stack when its undo fails', async () => {
    const doc = new Doc();
    const history = new History();
    await history.execute(macro('M', [failing('First', 'undo', doc.log), doc.set('a', '1')]));
    const error = await history.undo().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HISTORY_MACRO_FAILED', label: 'M', command: 'First', phase: 'undo' });
    expect(doc.log).toEqual(['execute First', 'execute a=1', 'undo a=1', 'undo First', 'execute a=1']);
    expect(doc.get('a')).toBe('1');
    expect(labels(history.undoStack)).toEqual(['M']);
    expect(history.canRedo).toBe(false);
  });

  it('undoes what it had redone and stays on the redo stack when its redo fails', async () => {
    const log: string[] = [];
    const history = new History();
    const a = { label: 'A', execute: () => void log.push('execute A'), undo: () => void log.push('undo A'), redo: () => void log.push('redo A') };
    await history.execute(macro('M', [a, failing('B', 'redo', log)]));
    await history.undo();
    await expect(history.redo()).rejects.toMatchObject({ command: 'B', phase: 'redo' });
    expect(log.slice(-3)).toEqual(['redo A', 'redo B', 'undo A']);
    expect(labels(history.redoStack)).toEqual(['M']);
  });

  it('refuses an empty list, an empty label and a non-command', () => {
    expect(() => macro('M', [])).toThrow('macro "M" commands must be a non-empty array of commands, got [] (array).');
    expect(() => macro('', [new Doc().set('a', '1')])).toThrow(/macro label must be a non-empty string/);
    expect(() => macro('M', [{ label: 'x' } as never])).toThrow(/macro "M" commands\[0\].execute must be a function/);
  });
});
