import { describe, expect, it } from 'vitest';
import { isRewindError, REWIND_ERROR_CODES } from '../../src/errors.js';
import {
  HistoryClosedError,
  HistoryCommandFailedError,
  HistoryJournalWriteError,
  HistoryMacroFailedError,
  HistoryReentrantCallError,
  HistoryReplayFailedError,
  HistoryUnknownCommandTypeError,
  JournaledStateWriteError,
} from '../../src/history/index.js';

describe('history errors', () => {
  it('each have their class name, a registered stable code, and a JSON form that keeps the cause', () => {
    const cause = new Error('boom');
    const errors = [
      new HistoryCommandFailedError({ label: 'L', phase: 'undo', cause }),
      new HistoryMacroFailedError({ label: 'M', command: 'C', phase: 'execute', cause, rolledBack: 1, rollbackFailures: [{ command: 'B', phase: 'undo', error: cause }] }),
      new HistoryUnknownCommandTypeError({ type: 't', stream: 's', seq: 3 }),
      new HistoryReplayFailedError({ stream: 's', seq: 2, reason: 'r', cause }),
      new HistoryJournalWriteError({ stream: 's', phase: 'redo', label: 'L', cause }),
      new HistoryClosedError({ method: 'undo' }),
      new HistoryReentrantCallError({ method: 'undo', inside: 'group', label: 'G' }),
      new JournaledStateWriteError({ stream: 's', version: 4, cause }),
    ];
    for (const error of errors) {
      expect(error.name).toBe(error.constructor.name);
      expect(REWIND_ERROR_CODES).toContain(error.code);
      expect(isRewindError(error, error.code)).toBe(true);
      const json = JSON.parse(JSON.stringify(error)) as { name: string; code: string; cause?: unknown };
      expect(json).toMatchObject({ name: error.name, code: error.code });
      if (error.cause !== undefined) expect(json.cause).toEqual({ name: 'Error', message: 'boom' });
    }
    expect(new Set(errors.map((e) => e.code)).size).toBe(errors.length);
  });
});
