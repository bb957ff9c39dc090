import { RewindError } from '../errors.js';

/**
 * The three things a history does with a command.
 *
 * - `execute`: run it for the first time;
 * - `undo`: reverse it;
 * - `redo`: run it again after an undo (`redo()` if the command has one, else `execute()`).
 */
export const COMMAND_PHASES = ['execute', 'undo', 'redo'] as const;

/** One of {@link COMMAND_PHASES}. */
export type CommandPhase = (typeof COMMAND_PHASES)[number];

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Details of a {@link HistoryCommandFailedError}. */
export interface HistoryCommandFailedDetails {
  /** Label of the command (or undo step) that failed. */
  readonly label: string;
  /** What was being done to it. */
  readonly phase: CommandPhase;
  /** What the command threw. */
  readonly cause: unknown;
}

/**
 * A command threw while a history executed, undid or redid it.
 *
 * The history is unchanged: a failed execute adds nothing (and keeps the redo stack), a failed
 * undo leaves the step on the undo stack and a failed redo leaves it on the redo stack.
 * `cause` is what the command threw.
 */
export class HistoryCommandFailedError extends RewindError {
  override readonly name = 'HistoryCommandFailedError';
  readonly code = 'HISTORY_COMMAND_FAILED' as const;
  /** Label of the command that failed. */
  readonly label: string;
  /** What was being done to it. */
  readonly phase: CommandPhase;

  constructor(details: HistoryCommandFailedDetails) {
    const what = {
      execute: `Command "${details.label}" failed to execute`,
      undo: `Undo of "${details.label}" failed`,
      redo: `Redo of "${details.label}" failed`,
    }[details.phase];
    const after = {
      execute: 'Nothing was added to the history.',
      undo: `"${details.label}" is still the next step to undo.`,
      redo: `"${details.label}" is still the next step to redo.`,
    }[details.phase];
    super(`${what}: ${messageOf(details.cause)}. ${after}`, { label: details.label, phase: details.phase }, details.cause);
    this.label = details.label;
    this.phase = details.phase;
  }
}

/** One command that could not be reversed while a macro or group was rolled back. */
export interface RollbackFailure {
  /** Label of the command. */
  readonly command: string;
  /** What the rollback tried: `undo` for commands that had run, `redo` for ones that had been undone. */
  readonly phase: CommandPhase;
  /** What it threw. */
  readonly error: unknown;
}

/** Details of a {@link HistoryMacroFailedError}. */
export interface HistoryMacroFailedDetails {
  /** Label of the macro, group or multi-command undo step. */
  readonly label: string;
  /** Label of the command that failed, or undefined when a group's own function threw. */
  readonly command?: string | undefined;
  /** What was being done when it failed. */
  readonly phase: CommandPhase;
  /** What the failing command (or group function) threw. */
  readonly cause: unknown;
  /** How many commands had run (or been undone) and were rolled back. */
  readonly rolledBack: number;
  /** Commands that could not be rolled back; empty when the rollback succeeded. */
  readonly rollbackFailures?: readonly RollbackFailure[] | undefined;
}

/**
 * A macro, a group or a multi-command undo step failed part-way, and was rolled back so
 * that it stays one unit.
 *
 * When executing or redoing, the commands that had run are undone in reverse order; when
 * undoing, the commands already undone are redone. `command` names the one that failed and
 * `cause` keeps its error. If the rollback itself failed, `rollbackFailures` lists every
 * command that could not be reversed: then effects may be partly applied and need a look.
 */
export class HistoryMacroFailedError extends RewindError {
  override readonly name = 'HistoryMacroFailedError';
  readonly code = 'HISTORY_MACRO_FAILED' as const;
  /** Label of the macro, group or step. */
  readonly label: string;
  /** Label of the failing command, or undefined when a group's own function threw. */
  readonly command: string | undefined;
  /** What was being done when it failed. */
  readonly phase: CommandPhase;
  /** Commands that could not be rolled back; empty when the rollback succeeded. */
  readonly rollbackFailures: readonly RollbackFailure[];

  constructor(details: HistoryMacroFailedDetails) {
    const failures = details.rollbackFailures ?? [];
    const at = details.command === undefined
      ? 'its group function threw'
      : `${details.phase} of "${details.command}" threw`;
    const reversed = details.phase === 'undo' ? 'redone' : 'undone';
    const rollback = failures.length === 0
      ? `The ${plural(details.rolledBack, 'command')} already done ${details.rolledBack === 1 ? 'was' : 'were'} ${reversed}.`
      : `Rolling back failed too: ${failures
          .map((f) => `${f.phase} of "${f.command}" threw: ${messageOf(f.error)}`)
          .join('; ')}. Effects may be partly applied; check them before going on.`;
    super(
      `"${details.label}" failed as one unit: ${at}: ${messageOf(details.cause)}. ${rollback}`,
      {
        label: details.label,
        command: details.command,
        phase: details.phase,
        rolledBack: details.rolledBack,
        rollbackFailures: failures.map((f) => ({ command: f.command, phase: f.phase, error: messageOf(f.error) })),
      },
      details.cause,
    );
    this.label = details.label;
    this.command = details.command;
    this.phase = details.phase;
    this.rollbackFailures = Object.freeze([...failures]);
  }
}

/** Details of a {@link HistoryUnknownCommandTypeError}. */
export interface HistoryUnknownCommandTypeDetails {
  /** The command type that no `registry.define` declared. */
  readonly type: string;
  /** The journal stream of the history, when a history was involved. */
  readonly stream?: string | undefined;
  /** The journal record that holds the command, when it was met while replaying. */
  readonly seq?: number | undefined;
}

/**
 * A command type is not defined in the {@link CommandRegistry}: met in a journal while
 * opening a history (the open fails; no record is ever skipped), or on a command given to
 * a durable history.
 */
export class HistoryUnknownCommandTypeError extends RewindError {
  override readonly name = 'HistoryUnknownCommandTypeError';
  readonly code = 'HISTORY_UNKNOWN_COMMAND_TYPE' as const;
  /** The undefined command type. */
  readonly type: string;
  /** The journal stream, if any. */
  readonly stream: string | undefined;
  /** The journal record holding the command, if met while replaying. */
  readonly seq: number | undefined;

  constructor(details: HistoryUnknownCommandTypeDetails) {
    const where = details.seq !== undefined
      ? `Record ${details.seq} of history stream "${details.stream ?? '?'}" holds command type "${details.type}"`
      : `Command type "${details.type}"${details.stream === undefined ? '' : ` (history stream "${details.stream}")`} is used`;
    const fix = details.seq !== undefined ? 'before opening the history' : 'on the registry in use';
    super(
      `${where}, which the registry does not define. Define it with registry.define("${details.type}", ...) ${fix}.`,
      { type: details.type, stream: details.stream, seq: details.seq },
    );
    this.type = details.type;
    this.stream = details.stream;
    this.seq = details.seq;
  }
}

/** Details of a {@link HistoryReplayFailedError}. */
export interface HistoryReplayFailedDetails {
  /** The journal stream being replayed. */
  readonly stream: string;
  /** The record that could not be replayed, when one record is to blame. */
  readonly seq?: number | undefined;
  /** What is wrong, as a sentence fragment (`record type "x" is not a history record`). */
  readonly reason: string;
  /** The underlying error, e.g. a command's `create` or, with `replay: 'effects'`, its `execute`. */
  readonly cause?: unknown;
}

/**
 * A history's journal stream does not replay into a valid history: a record of an unknown
 * kind or shape, an undo with nothing to undo, a command that cannot be rebuilt, or (with
 * `replay: 'effects'`) a command that throws while being re-run. Raised by `History.open`,
 * which opens nothing in that case.
 */
export class HistoryReplayFailedError extends RewindError {
  override readonly name = 'HistoryReplayFailedError';
  readonly code = 'HISTORY_REPLAY_FAILED' as const;
  /** The journal stream. */
  readonly stream: string;
  /** The record to blame, if one is. */
  readonly seq: number | undefined;

  constructor(details: HistoryReplayFailedDetails) {
    const at = details.seq === undefined ? '' : ` at record ${details.seq}`;
    const cause = details.cause === undefined ? '' : `: ${messageOf(details.cause)}`;
    super(
      `History stream "${details.stream}" cannot be replayed${at}: ${details.reason}${cause}. ` +
        'Nothing was opened; check that the stream was written by this kind of history and that the registry and commands still match it.',
      { stream: details.stream, seq: details.seq, reason: details.reason },
      details.cause,
    );
    this.stream = details.stream;
    this.seq = details.seq;
  }
}

/** Details of a {@link HistoryJournalWriteError}. */
export interface HistoryJournalWriteDetails {
  /** The journal stream of the history. */
  readonly stream: string;
  /** The operation whose record could not be appended. */
  readonly phase: CommandPhase;
  /** Label of the step the operation was on. */
  readonly label: string;
  /** What the journal threw (for example a `JournalConflictError` when another writer appended). */
  readonly cause: unknown;
  /** Set when reversing the operation failed too; then its effect remains. */
  readonly reverseError?: unknown;
}

/**
 * A durable history ran an operation but could not append its record to the journal, so
 * the operation was reversed (an execute undone, an undo redone, a redo undone) and the
 * history is unchanged: nothing unrecorded is ever acknowledged.
 *
 * If the journal refused because another writer appended to the stream
 * (`JournalConflictError`), this history is stale: close it and open it again.
 */
export class HistoryJournalWriteError extends RewindError {
  override readonly name = 'HistoryJournalWriteError';
  readonly code = 'HISTORY_JOURNAL_WRITE_FAILED' as const;
  /** The journal stream. */
  readonly stream: string;
  /** The operation whose record could not be appended. */
  readonly phase: CommandPhase;
  /** Label of the step. */
  readonly label: string;
  /** Set when reversing the operation failed too. */
  readonly reverseError: unknown;

  constructor(details: HistoryJournalWriteDetails) {
    const reversed = details.reverseError === undefined
      ? 'it was reversed and the history is unchanged'
      : `reversing it failed too (${messageOf(details.reverseError)}), so its effect remains although the history does not list it`;
    super(
      `The ${details.phase} of "${details.label}" could not be recorded in history stream "${details.stream}" ` +
        `(${messageOf(details.cause)}); ${reversed}.`,
      { stream: details.stream, phase: details.phase, label: details.label, reverseError: details.reverseError === undefined ? undefined : messageOf(details.reverseError) },
      details.cause,
    );
    this.stream = details.stream;
    this.phase = details.phase;
    this.label = details.label;
    this.reverseError = details.reverseError;
  }
}

/** Details of a {@link HistoryClosedError}. */
export interface HistoryClosedDetails {
  /** The method that was called. */
  readonly method: string;
  /** The journal stream, for a durable history. */
  readonly stream?: string | undefined;
}

/** A method that changes a history was called after `close()`. */
export class HistoryClosedError extends RewindError {
  override readonly name = 'HistoryClosedError';
  readonly code = 'HISTORY_CLOSED' as const;
  /** The method that was called. */
  readonly method: string;

  constructor(details: HistoryClosedDetails) {
    const which = details.stream === undefined ? 'a closed history' : `the closed history of stream "${details.stream}"`;
    const fix = details.stream === undefined ? 'Create a new History' : 'Open it again with History.open';
    super(`history.${details.method}() was called on ${which}. ${fix} to go on.`, { method: details.method, stream: details.stream });
    this.method = details.method;
  }
}

/** Details of a {@link HistoryReentrantCallError}. */
export interface HistoryReentrantCallDetails {
  /** The history method that was called. */
  readonly method: string;
  /** Whether it was called from inside a running command or a group. */
  readonly inside: 'command' | 'group';
  /** Label of that command or group. */
  readonly label: string;
}

/**
 * A history method was called from inside one of that history's own commands (or `undo`
 * from inside a group). Operations on a history run one at a time, so the call would wait
 * for the operation that made it: it is refused instead of deadlocking.
 */
export class HistoryReentrantCallError extends RewindError {
  override readonly name = 'HistoryReentrantCallError';
  readonly code = 'HISTORY_REENTRANT_CALL' as const;
  /** The history method that was called. */
  readonly method: string;
  /** Label of the running command or group. */
  readonly label: string;

  constructor(details: HistoryReentrantCallDetails) {
    const fix = details.inside === 'command'
      ? 'A command must not drive its own history; compose commands with macro() or history.group() instead.'
      : 'Call it after the group has returned.';
    super(
      `history.${details.method}() was called from inside ${details.inside} "${details.label}", which it would wait for. ${fix}`,
      { method: details.method, inside: details.inside, label: details.label },
    );
    this.method = details.method;
    this.label = details.label;
  }
}

/** Details of a {@link JournaledStateWriteError}. */
export interface JournaledStateWriteDetails {
  /** The journal stream of the state. */
  readonly stream: string;
  /** The first version that could not be appended. */
  readonly version: number;
  /** What the journal threw. */
  readonly cause: unknown;
}

/**
 * A version of a journaled state could not be appended to its journal stream. That version
 * and every later one exist only in memory: the state stops journaling (appending later
 * versions would leave a gap that no replay could cross), and `flush()` rejects with this
 * error from then on. Reopen the state to go on from what the journal holds.
 */
export class JournaledStateWriteError extends RewindError {
  override readonly name = 'JournaledStateWriteError';
  readonly code = 'HISTORY_STATE_WRITE_FAILED' as const;
  /** The journal stream. */
  readonly stream: string;
  /** The first version that was not appended. */
  readonly version: number;

  constructor(details: JournaledStateWriteDetails) {
    super(
      `Version ${details.version} of the state journaled in stream "${details.stream}" could not be appended ` +
        `(${messageOf(details.cause)}); it and every later version exist only in memory. ` +
        'Reopen the state with openJournaledState to go on from what the journal holds.',
      { stream: details.stream, version: details.version },
      details.cause,
    );
    this.stream = details.stream;
    this.version = details.version;
  }
}
