/**
 * Undoable commands: undo and redo stacks, coalescing, groups and macros, and durable
 * histories rebuilt from a journal after a crash.
 *
 * @example
 * ```ts
 * import { History, CommandRegistry } from 'rewind/history';
 * import { openStore } from 'rewind/store';
 * const registry = new CommandRegistry();
 * const rename = registry.define('rename', (d: { from: string; to: string }) => ({
 *   label: `Rename to "${d.to}"`, execute: () => { doc.name = d.to; }, undo: () => { doc.name = d.from; },
 * }));
 * const history = await History.open({ journal: await openStore('sqlite:./app.db'), stream: 'doc-42', registry });
 * await history.execute(rename({ from: 'a', to: 'b' })); // resolves once journaled
 * await history.undo();
 * ```
 *
 * @module
 */

/** Histories: undo and redo stacks, in memory or durable. */
export { History } from './history.js';
export { HISTORY_CHANGE_KINDS } from './history-change.js';
export type { HistoryChange, HistoryChangeKind, HistoryStep } from './history-change.js';
export { REPLAY_MODES } from './options.js';
export type { HistoryOptions, OpenHistoryOptions, ReplayMode } from './options.js';

/** Commands, macros, and the registry that makes commands journalable. */
export type { Command } from './command.js';
export { macro, MacroCommand } from './macro.js';
export { CommandRegistry } from './registry.js';
export type { CommandFactory, CommandSpec } from './registry.js';

/** A versioned state (`rewind/state`) made durable by a journal stream. */
export { openJournaledState } from './journaled-state.js';
export type { JournaledState, JournaledStateOptions } from './journaled-state.js';

/** What can go wrong, and with which command. */
export {
  COMMAND_PHASES,
  HistoryClosedError,
  HistoryCommandFailedError,
  HistoryJournalWriteError,
  HistoryMacroFailedError,
  HistoryReentrantCallError,
  HistoryReplayFailedError,
  HistoryUnknownCommandTypeError,
  JournaledStateWriteError,
} from './errors.js';
export type {
  CommandPhase,
  HistoryClosedDetails,
  HistoryCommandFailedDetails,
  HistoryJournalWriteDetails,
  HistoryMacroFailedDetails,
  HistoryReentrantCallDetails,
  HistoryReplayFailedDetails,
  HistoryUnknownCommandTypeDetails,
  JournaledStateWriteDetails,
  RollbackFailure,
} from './errors.js';
