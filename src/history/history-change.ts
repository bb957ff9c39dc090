import type { Command } from './command.js';
import type { Step } from './stacks.js';

/**
 * What a {@link HistoryChange} reports.
 *
 * - `execute`: a new undo step (a command, a macro or a group); the redo stack was cleared;
 * - `coalesce`: a command joined the top undo step;
 * - `undo`: the top undo step was undone and moved to the redo stack;
 * - `redo`: the top redo step was redone and moved back to the undo stack.
 */
export const HISTORY_CHANGE_KINDS = ['execute', 'coalesce', 'undo', 'redo'] as const;

/** One of {@link HISTORY_CHANGE_KINDS}. */
export type HistoryChangeKind = (typeof HISTORY_CHANGE_KINDS)[number];

/** What `history.onChange` listeners receive after each acknowledged operation. */
export interface HistoryChange {
  /** What happened. */
  readonly kind: HistoryChangeKind;
  /** Label of the step it happened to. */
  readonly label: string;
  /** Whether `undo()` would now undo something. */
  readonly canUndo: boolean;
  /** Whether `redo()` would now redo something. */
  readonly canRedo: boolean;
  /** Label of the next step to undo, if any. */
  readonly undoLabel: string | undefined;
  /** Label of the next step to redo, if any. */
  readonly redoLabel: string | undefined;
}

/** One undo step, as `undoStack` and `redoStack` list it. */
export interface HistoryStep {
  /** The step's label: its command's, its group's, or the first of a coalesced run's. */
  readonly label: string;
  /** Its commands in execution order; undo runs them in reverse. */
  readonly commands: readonly Command[];
}

/** Frozen copies of steps, for `undoStack` and `redoStack`. */
export function snapshot(steps: readonly Step<Command>[]): readonly HistoryStep[] {
  return Object.freeze(steps.map((s) => Object.freeze({ label: s.label, commands: Object.freeze([...s.commands]) })));
}
