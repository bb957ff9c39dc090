import { describe, expect, it } from 'vitest';
import { History, HistoryCommandFailedError } from '../../src/history/index.js';
import { gate, labels } from './helpers.js';

function slow(label: string, log: string[], held: Record<string, Promise<void>> = {}) {
  return {
    label,
    execute: async () => {
      log.push(`execute ${label} start`);
      await (held['execute'] ?? Promise.resolve());
      log.push(`execute ${label} end`);
    },
    undo: async () => {
      log.push(`undo ${label} start`);
      await (held['undo'] ?? Promise.resolve());
      log.push(`undo ${label} end`);
    },
  };
}

describe('async serialization', () => {
  it('makes a second undo called while one runs wait its turn', async () => {
    const log: string[] = [];
    const history = new History();
    const first = gate();
    await history.execute(slow('A', log));
    await history.execute(slow('B', log, { undo: first.promise }));
    log.length = 0;
    const undoB = history.undo();
    const undoA = history.undo();
    await new Promise((r) => setTimeout(r, 5));
    expect(log).toEqual(['undo B start']);
    first.open();
    expect(await Promise.all([undoB, undoA])).toEqual([true, true]);
    expect(log).toEqual(['undo B start', 'undo B end', 'undo A start', 'undo A end']);
    expect(labels(history.redoStack)).toEqual(['B', 'A']);
  });

  it('runs execute, undo and redo one at a time in call order', async () => {
    const log: string[] = [];
    const history = new History();
    await Promise.all([
      history.execute(slow('A', log)),
      history.execute(slow('B', log)),
      history.undo(),
      history.redo(),
      history.undo(),
    ]);
    expect(log).toEqual([
      'execute A start', 'execute A end',
      'execute B start', 'execute B end',
      'undo B start', 'undo B end',
      'execute B start', 'execute B end',
      'undo B start', 'undo B end',
    ]);
  });

  it('keeps a step whose undo fails on the undo stack and names it, and later operations still run', async () => {
    const history = new History();
    let attempts = 0;
    await history.execute({
      label: 'Upload',
      execute: () => Promise.resolve(),
      undo: () => (++attempts === 1 ? Promise.reject(new Error('network down')) : Promise.resolve()),
    });
    const failed = history.undo();
    const next = history.undo();
    await expect(failed).rejects.toThrow('Undo of "Upload" failed: network down. "Upload" is still the next step to undo.');
    await expect(failed).rejects.toBeInstanceOf(HistoryCommandFailedError);
    expect(await next).toBe(true);
    expect(labels(history.redoStack)).toEqual(['Upload']);
  });

  it('keeps a step whose redo fails on the redo stack and names it', async () => {
    const history = new History();
    await history.execute({ label: 'Send', execute: () => undefined, undo: () => undefined, redo: () => Promise.reject(new Error('offline')) });
    await history.undo();
    await expect(history.redo()).rejects.toMatchObject({ label: 'Send', phase: 'redo', message: 'Redo of "Send" failed: offline. "Send" is still the next step to redo.' });
    expect(labels(history.redoStack)).toEqual(['Send']);
    expect(history.canUndo).toBe(false);
  });
});
