import { InvalidArgumentError } from '../errors.js';
import type { JsonValue } from '../internal/json.js';
import type { CommandPhase } from './errors.js';

/**
 * An undoable operation: what {@link History} executes, undoes and redoes.
 *
 * `execute`, `undo` and `redo` may be synchronous or return a promise; the history runs one
 * at a time. `undo` must reverse what `execute` did; `redo` (optional) must do it again,
 * and defaults to calling `execute` again.
 *
 * A command that a durable history can journal also has a `type` defined in a
 * {@link CommandRegistry} and JSON `data` from which the registry rebuilds it; factories from
 * `registry.define` set both.
 *
 * @example
 * ```ts
 * const rename: Command = {
 *   label: 'Rename to "b"',
 *   execute: () => { doc.name = 'b'; },
 *   undo: () => { doc.name = 'a'; },
 * };
 * ```
 */
export interface Command {
  /** What the command does, for menus and errors (`Undo <label>`). */
  readonly label: string;
  /** Does the command's work. */
  execute(): void | Promise<void>;
  /** Reverses what `execute` (or `redo`) did. */
  undo(): void | Promise<void>;
  /** Does the work again after an undo. @default calls `execute` again */
  redo?: (() => void | Promise<void>) | undefined;
  /**
   * Commands with the same key executed one after another within the history's
   * `coalesceWindow` become one undo step (typing into one field). @default no coalescing
   */
  readonly coalesceKey?: string | undefined;
  /** The registry type that rebuilds this command from `data` (durable histories only). */
  readonly type?: string | undefined;
  /** The JSON the registry rebuilds this command from (durable histories only). */
  readonly data?: JsonValue | undefined;
}

/**
 * Checks the shape of a command given by a caller, so that a malformed one is refused
 * before it runs.
 *
 * @throws {@link InvalidArgumentError} naming the offending field.
 */
export function assertCommand(value: unknown, path: string): asserts value is Command {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidArgumentError({ path, expected: 'a command { label, execute, undo, redo? }', got: value });
  }
  const c = value as Record<string, unknown>;
  if (typeof c['label'] !== 'string' || c['label'] === '') {
    throw new InvalidArgumentError({ path: `${path}.label`, expected: 'a non-empty string', got: c['label'] });
  }
  for (const method of ['execute', 'undo'] as const) {
    if (typeof c[method] !== 'function') {
      throw new InvalidArgumentError({ path: `${path}.${method}`, expected: 'a function', got: c[method] });
    }
  }
  if (c['redo'] !== undefined && typeof c['redo'] !== 'function') {
    throw new InvalidArgumentError({ path: `${path}.redo`, expected: 'a function or undefined', got: c['redo'] });
  }
  if (c['coalesceKey'] !== undefined && typeof c['coalesceKey'] !== 'string') {
    throw new InvalidArgumentError({ path: `${path}.coalesceKey`, expected: 'a string or undefined', got: c['coalesceKey'] });
  }
}

/** Runs one phase of one command; `redo` falls back to `execute`. */
export async function runPhase(command: Command, phase: CommandPhase): Promise<void> {
  switch (phase) {
    case 'execute':
      await command.execute();
      return;
    case 'undo':
      await command.undo();
      return;
    case 'redo':
      await (command.redo === undefined ? command.execute() : command.redo());
      return;
  }
}
