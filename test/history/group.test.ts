import { describe, expect, it } from 'vitest';
import {
  History,
  HistoryMacroFailedError,
  HistoryReentrantCallError,
  MacroCommand,
} from '../../src/history/index.js';
import { Doc, failing, gate, labels } from './helpers.js';

describe('history.group', () => {
  it('makes the commands executed inside it one undo step and resolves to what fn returns', async () => {
    const doc = new Doc();
    const history = new History();
    const result = await history.group('Format', async () => {
      await history.execute(doc.set('bold', 'yes'));
      await history.execute(doc.set('size', '24'));
      return 42;
    });
    expect(result).toBe(42);
    expect(labels(history.undoStack)).toEqual(['Format']);
    await history.undo();
    expect([...doc.fields]).toEqual([]);
    expect(doc.log.slice(2)).toEqual(['undo size=24', 'undo bold=yes']);
    await history.redo();
    expect(doc.get('size')).toBe('24');
  });

  it('includes executes the group function started without awaiting', async () => {
    const doc = new Doc();
    const history = new History();
    await history.group('Both', () => {
      void history.execute(doc.set('a', '1'));
      void history.execute(doc.set('b', '2'));
    });
    expect(history.undoStack[0]!.commands.map((c) => c.label)).toEqual(['set a=1', 'set b=2']);
  });

  it('undoes its commands in reverse and fails as one unit when the group function throws', async () => {
    const doc = new Doc();
    const history = new History();
    await history.execute(doc.set('keep', 'k'));
    const error = await history.group('Format', async () => {
      await history.execute(doc.set('a', '1'));
      await history.execute(doc.set('b', '2'));
      throw new Error('validation failed');
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryMacroFailedError);
    expect(error).toMatchObject({ label: 'Format', command: undefined, phase: 'execute', rollbackFailures: [] });
    expect((error as Error).message).toBe('"Format" failed as one unit: its group function threw: validation failed. The 2 commands already done were undone.');
    expect(doc.log.slice(-2)).toEqual(['undo b=2', 'undo a=1']);
    expect([...doc.fields]).toEqual([['keep', 'k']]);
    expect(labels(history.undoStack)).toEqual(['set keep=k']);
  });

  it('names the command whose failure made the group fail', async () => {
    const doc = new Doc();
    const history = new History();
    const error = await history.group('Format', async () => {
      await history.execute(doc.set('a', '1'));
      await history.execute(failing('Broken', 'execute'));
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HISTORY_MACRO_FAILED', label: 'Format', command: 'Broken' });
    expect(doc.get('a')).toBeUndefined();
  });

  it('makes a group inside a group one macro within the outer step', async () => {
    const doc = new Doc();
    const history = new History();
    await history.group('Outer', async () => {
      await history.execute(doc.set('a', '1'));
      await history.group('Inner', async () => {
        await history.execute(doc.set('b', '2'));
        await history.execute(doc.set('c', '3'));
      });
      const failed = await history.group('Failing inner', async () => {
        await history.execute(doc.set('d', '4'));
        throw new Error('no');
      }).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(HistoryMacroFailedError);
    });
    const [step] = history.undoStack;
    expect(step!.commands.map((c) => c.label)).toEqual(['set a=1', 'Inner']);
    expect(step!.commands[1]).toBeInstanceOf(MacroCommand);
    expect(doc.get('d')).toBeUndefined();
    await history.undo();
    expect([...doc.fields]).toEqual([]);
  });

  it('makes other callers wait until the group ends', async () => {
    const doc = new Doc();
    const history = new History();
    const held = gate();
    const group = history.group('G', async () => {
      await history.execute(doc.set('a', '1'));
      await held.promise;
      await history.execute(doc.set('b', '2'));
    });
    await new Promise((r) => setTimeout(r, 5));
    const outside = history.execute(doc.set('c', '3'));
    await new Promise((r) => setTimeout(r, 5));
    expect(doc.get('c')).toBeUndefined();
    held.open();
    await Promise.all([group, outside]);
    expect(labels(history.undoStack)).toEqual(['G', 'set c=3']);
  });

  it('adds no step for a group that executes nothing', async () => {
    const history = new History();
    await history.group('Empty', () => undefined);
    expect(history.canUndo).toBe(false);
  });

  it('refuses undo inside a group instead of deadlocking', async () => {
    const doc = new Doc();
    const history = new History();
    await history.execute(doc.set('a', '1'));
    const error = await history.group('G', () => history.undo()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryMacroFailedError);
    expect((error as Error).cause).toBeInstanceOf(HistoryReentrantCallError);
    expect(((error as Error).cause as Error).message).toBe(
      'history.undo() was called from inside group "G", which it would wait for. Call it after the group has returned.',
    );
  });

  it('refuses close inside a group, even once close was called outside, instead of deadlocking', async () => {
    const history = new History();
    const held = gate();
    const group = history.group('G', async () => {
      await held.promise;
      await history.close();
    });
    const closing = history.close();
    held.open();
    await expect(group).rejects.toMatchObject({ cause: { code: 'HISTORY_REENTRANT_CALL', method: 'close' } });
    await closing;
  });

  it('refuses a command that calls its own history instead of deadlocking', async () => {
    const history = new History();
    const error = await history.execute({
      label: 'Sneaky',
      execute: () => history.execute({ label: 'inner', execute: () => undefined, undo: () => undefined }),
      undo: () => undefined,
    }).catch((e: unknown) => e);
    expect(((error as Error).cause as Error).message).toMatch(/^history.execute\(\) was called from inside command "Sneaky"/);
    expect(history.canUndo).toBe(false);
  });

  it('lets work a command left behind use the history after the command ended', async () => {
    const history = new History();
    let later: Promise<void> | undefined;
    await history.execute({
      label: 'Schedules',
      execute: () => {
        later = new Promise((resolve) => setTimeout(resolve, 1)).then(() => history.undo()).then(() => undefined);
      },
      undo: () => undefined,
    });
    await later;
    expect(history.canRedo).toBe(true);
  });
});
