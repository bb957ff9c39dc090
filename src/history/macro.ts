import { InvalidArgumentError } from '../errors.js';
import { assertCommand, runPhase, type Command } from './command.js';
import { HistoryMacroFailedError, type CommandPhase, type RollbackFailure } from './errors.js';

/**
 * Reverses, most recent first, commands that have just been run in `phase`: commands that
 * were executed or redone are undone; commands that were undone are redone. Every command is
 * tried even when one fails, so a rollback does as much as it can; failures are returned.
 */
export async function rollBack(done: readonly Command[], phase: CommandPhase): Promise<RollbackFailure[]> {
  const reverse: CommandPhase = phase === 'undo' ? 'redo' : 'undo';
  const failures: RollbackFailure[] = [];
  for (let i = done.length - 1; i >= 0; i--) {
    const command = done[i]!;
    try {
      await runPhase(command, reverse);
    } catch (error) {
      failures.push({ command: command.label, phase: reverse, error });
    }
  }
  return failures;
}

/**
 * Runs `phase` over `commands` as one unit: forward for execute and redo, backward for undo.
 * If one fails, those already done are rolled back and a {@link HistoryMacroFailedError}
 * names the failing command (and any command the rollback could not reverse).
 */
export async function runAsUnit(label: string, commands: readonly Command[], phase: CommandPhase): Promise<void> {
  const order = phase === 'undo' ? [...commands].reverse() : commands;
  const done: Command[] = [];
  for (const command of order) {
    try {
      await runPhase(command, phase);
    } catch (cause) {
      const rollbackFailures = await rollBack(done, phase);
      throw new HistoryMacroFailedError({ label, command: command.label, phase, cause, rolledBack: done.length, rollbackFailures });
    }
    done.push(command);
  }
}

/**
 * A command made of other commands, run in order as one unit: see {@link macro}.
 * Its `commands` are what a durable history journals for it.
 */
export class MacroCommand implements Command {
  /** The macro's label. */
  readonly label: string;
  /** The commands, in execution order. */
  readonly commands: readonly Command[];

  /** Use {@link macro}, which checks its arguments. */
  constructor(label: string, commands: readonly Command[]) {
    this.label = label;
    this.commands = Object.freeze([...commands]);
  }

  /**
   * Executes the commands in order; if one fails, undoes those that ran, in reverse.
   *
   * @throws {@link HistoryMacroFailedError} naming the failing command.
   */
  execute(): Promise<void> {
    return runAsUnit(this.label, this.commands, 'execute');
  }

  /**
   * Undoes the commands in reverse order; if one fails, redoes those already undone.
   *
   * @throws {@link HistoryMacroFailedError} naming the failing command.
   */
  undo(): Promise<void> {
    return runAsUnit(this.label, this.commands, 'undo');
  }

  /**
   * Redoes the commands in order; if one fails, undoes those already redone, in reverse.
   *
   * @throws {@link HistoryMacroFailedError} naming the failing command.
   */
  redo(): Promise<void> {
    return runAsUnit(this.label, this.commands, 'redo');
  }
}

/**
 * Makes one command out of several: executing it runs them in order; if one fails, the
 * ones that ran are undone in reverse and the macro fails as one unit, with a
 * {@link HistoryMacroFailedError} naming the failing command. Undo and redo are all-or-nothing
 * the same way. A macro is one undo step, and a durable history can journal it when every
 * command in it is journalable.
 *
 * @example
 * ```ts
 * await history.execute(macro('Format as title', [bold(range), setSize({ range, size: 24 })]));
 * ```
 *
 * @throws {@link InvalidArgumentError} when `label` is empty, `commands` is empty or holds
 * something that is not a command.
 */
export function macro(label: string, commands: readonly Command[]): MacroCommand {
  if (typeof label !== 'string' || label === '') {
    throw new InvalidArgumentError({ path: 'macro label', expected: 'a non-empty string', got: label });
  }
  if (!Array.isArray(commands) || commands.length === 0) {
    throw new InvalidArgumentError({ path: `macro "${label}" commands`, expected: 'a non-empty array of commands', got: commands });
  }
  commands.forEach((command, i) => assertCommand(command, `macro "${label}" commands[${i}]`));
  return new MacroCommand(label, commands);
}
