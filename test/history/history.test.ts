import { describe, expect, it } from 'vitest';
import { isRewindError } from '../../src/errors.js';
import {
  History,
  HistoryClosedError,
  HistoryCommandFailedError,
  type HistoryChange,
} from '../../src/history/index.js';
import { Doc, failing, labels } from './helpers.js';

describe('History', () => {
  it('undo reverses the last command and moves it to the redo stack', async () => {
    const doc = new Doc();
    const history = new History();
    await history.execute(doc.set('title', 'a'));
    await history.execute(doc.set('title', 'b'));
    expect(await history.undo()).toBe(true);
    expect(doc.get('title')).toBe('a');
    expect(labels(history.undoStack)).toEqual(['set title=a']);
    expect(labels(history.redoStack)).toEqual(['set title=b']);
  });

  it('redo runs execute again when the command has no redo', async () => {
    const doc = new Doc();
    const history = new History();
    await history.execute(doc.set('title', 'a'));
    await history.undo();
    expect(await history.redo()).toBe(true);
    expect(doc.get('title')).toBe('a');
    expect(doc.log).toEqual(['execute title=a', 'undo title=a', 'execute title=a']);
    expect(labels(history.undoStack)).toEqual(['set title=a']);
    expect(history.redoStack).toEqual([]);
  });

  it("redo runs the command's own redo when it has one", async () => {
    const log: string[] = [];
    const history = new History();
    await history.execute({
      label: 'x',
      execute: () => void log.push('execute'),
      undo: () => void log.push('undo'),
      redo: () => void log.push('redo'),
    });
    await history.undo();
    await history.redo();
    expect(log).toEqual(['execute', 'undo', 'redo']);
  });

  it('a new command clears the redo stack', async () => {
    const doc = new Doc();
    const history = new History();
    await history.execute(doc.set('a', '1'));
    await history.execute(doc.set('a', '2'));
    await history.undo();
    expect(history.canRedo).toBe(true);
    await history.execute(doc.set('a', '3'));
    expect(history.canRedo).toBe(false);
    expect(labels(history.undoStack)).toEqual(['set a=1', 'set a=3']);
  });

  it('drops the oldest step when more than depth steps are kept', async () => {
    const doc = new Doc();
    const history = new History({ depth: 3 });
    for (let i = 1; i <= 5; i++) await history.execute(doc.set('n', String(i)));
    expect(labels(history.undoStack)).toEqual(['set n=3', 'set n=4', 'set n=5']);
    while (await history.undo());
    expect(doc.get('n')).toBe('2');
  });

  it('canUndo, canRedo, undoLabel and redoLabel describe the next steps', async () => {
    const doc = new Doc();
    const history = new History();
    expect([history.canUndo, history.canRedo, history.undoLabel, history.redoLabel]).toEqual([false, false, undefined, undefined]);
    await history.execute(doc.set('a', '1'));
    await history.execute(doc.set('b', '2'));
    await history.undo();
    expect([history.canUndo, history.canRedo, history.undoLabel, history.redoLabel]).toEqual([true, true, 'set a=1', 'set b=2']);
  });

  it('undo and redo resolve to false and change nothing when there is nothing to do', async () => {
    const history = new History();
    expect(await history.undo()).toBe(false);
    expect(await history.redo()).toBe(false);
  });

  it('onChange listeners hear every acknowledged operation until disposed', async () => {
    const doc = new Doc();
    const history = new History();
    const heard: HistoryChange[] = [];
    const subscription = history.onChange((c) => heard.push(c));
    await history.execute(doc.set('a', '1'));
    await history.undo();
    await history.redo();
    await history.execute(failing('bad', 'execute')).catch(() => undefined);
    subscription.dispose();
    await history.undo();
    expect(heard.map((c) => [c.kind, c.label])).toEqual([['execute', 'set a=1'], ['undo', 'set a=1'], ['redo', 'set a=1']]);
    expect(heard[1]).toEqual({ kind: 'undo', label: 'set a=1', canUndo: false, canRedo: true, undoLabel: undefined, redoLabel: 'set a=1' });
  });

  it('a failing execute adds nothing, keeps the redo stack and names the command', async () => {
    const doc = new Doc();
    const history = new History();
    await history.execute(doc.set('a', '1'));
    await history.undo();
    const error = await history.execute(failing('Broken', 'execute')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryCommandFailedError);
    expect(error).toMatchObject({ code: 'HISTORY_COMMAND_FAILED', label: 'Broken', phase: 'execute' });
    expect((error as Error).message).toBe('Command "Broken" failed to execute: Broken broke in execute. Nothing was added to the history.');
    expect((error as Error).cause).toEqual(new Error('Broken broke in execute'));
    expect(history.undoStack).toEqual([]);
    expect(labels(history.redoStack)).toEqual(['set a=1']);
  });

  it('refuses invalid options with InvalidArgumentError', () => {
    expect(() => new History({ depth: 0 })).toThrow('History options.depth must be an integer >= 1 or Infinity, got 0 (number).');
    expect(() => new History({ depth: 1.5 })).toThrow(/depth/);
    expect(() => new History({ coalesceWindow: -1 })).toThrow(/History options.coalesceWindow must be a duration/);
    expect(() => new History({ clock: 5 as unknown as () => number })).toThrow(/clock/);
    expect(() => new History({ depth: Infinity })).not.toThrow();
  });

  it('refuses a malformed command before running it', async () => {
    const history = new History();
    const noUndo = { label: 'x', execute: () => undefined } as never;
    await expect(history.execute(noUndo)).rejects.toThrow('command.undo must be a function, got undefined (undefined).');
    await expect(history.execute({ label: '', execute: () => undefined, undo: () => undefined })).rejects.toSatisfy((e) => isRewindError(e, 'INVALID_ARGUMENT'));
    expect(history.canUndo).toBe(false);
  });

  it('close lets operations called before it finish and refuses later ones', async () => {
    const doc = new Doc();
    const history = new History();
    const pending = history.execute(doc.set('a', '1'));
    const closed = history.close();
    await expect(history.undo()).rejects.toBeInstanceOf(HistoryClosedError);
    await expect(history.execute(doc.set('a', '2'))).rejects.toThrow('history.execute() was called on a closed history. Create a new History to go on.');
    await pending;
    await closed;
    await history.close();
    expect(doc.get('a')).toBe('1');
  });
});
