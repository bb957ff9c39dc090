import { AsyncLocalStorage } from 'node:async_hooks';
import { runPhase, type Command } from './command.js';
import { HistoryCommandFailedError, type CommandPhase } from './errors.js';
import type { CommandFrame, Frame, GroupFrame } from './frames.js';
import { MacroCommand, runAsUnit } from './macro.js';
import type { Step } from './stacks.js';

/**
 * Runs a history's steps and group functions, and remembers (through `AsyncLocalStorage`)
 * what is running in each async context, so that the history can route calls made from
 * inside a group to it and refuse calls made from inside a command.
 */
export class StepRunner {
  readonly #context = new AsyncLocalStorage<Frame>();

  /** The command or group running in the caller's async context, if it has not ended. */
  current(): Frame | undefined {
    const frame = this.#context.getStore();
    return frame?.active === true ? frame : undefined;
  }

  /**
   * Runs one phase of a step: a lone command's error is wrapped in a
   * {@link HistoryCommandFailedError}; a macro's or a multi-command step's failure is a
   * {@link HistoryMacroFailedError} after its rollback. Never throws anything else.
   */
  runStep(step: Step<Command>, phase: CommandPhase): Promise<void> {
    return this.inCommand(step.label, async () => {
      const only = step.commands.length === 1 ? step.commands[0]! : undefined;
      if (only === undefined) return runAsUnit(step.label, step.commands, phase);
      if (only instanceof MacroCommand) return runPhase(only, phase);
      try {
        await runPhase(only, phase);
      } catch (cause) {
        throw new HistoryCommandFailedError({ label: step.label, phase, cause });
      }
    });
  }

  /** Runs `fn` marked as inside command `label`. */
  async inCommand<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const frame: CommandFrame = { kind: 'command', label, active: true };
    try {
      return await this.#context.run(frame, fn);
    } finally {
      frame.active = false;
    }
  }

  /** Runs a group's function marked as inside `group`; the caller ends the group. */
  inGroup<T>(group: GroupFrame, fn: () => T | Promise<T>): Promise<T> {
    return this.#context.run(group, async () => fn());
  }
}
