import type { Command } from './command.js';
import type { CommandRecord } from './records.js';

/**
 * What a history is running in the current async context: one of its commands, or one of
 * its groups. A history reads it (through `AsyncLocalStorage`) to send `execute` calls made
 * inside a group to that group, and to refuse calls that would wait for themselves.
 * `active` turns false when the command or group ends, so that work it left behind (a timer,
 * an unawaited promise) is treated as outside it.
 */
export type Frame = CommandFrame | GroupFrame;

/** A command (or a step of commands) being executed, undone or redone. */
export interface CommandFrame {
  readonly kind: 'command';
  readonly label: string;
  active: boolean;
}

/**
 * A `history.group()` whose function is running: it collects the commands executed inside
 * it, one at a time, and becomes one undo step when the function returns.
 */
export class GroupFrame {
  readonly kind = 'group';
  readonly label: string;
  active = true;
  /** The commands executed in the group so far, in order. */
  readonly commands: Command[] = [];
  /** Their journal form, when the history is durable. */
  readonly records: CommandRecord[] = [];
  /** Errors thrown by executes and nested groups of this group, with the label that threw. */
  readonly #failures = new WeakMap<object, string>();
  #tail: Promise<void> = Promise.resolve();

  constructor(label: string) {
    this.label = label;
  }

  /** Runs `op` after the group's earlier operations, so that its commands run one at a time. */
  enqueue<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(op);
    this.#tail = result.then(ignore, ignore);
    return result;
  }

  /** Settles when every operation enqueued so far has settled. */
  settled(): Promise<void> {
    return this.#tail;
  }

  /** Adds a command that ran in the group. */
  add(command: Command, record: CommandRecord | undefined): void {
    this.commands.push(command);
    if (record !== undefined) this.records.push(record);
  }

  /** Remembers that `error` came from the execute (or nested group) labelled `label`. */
  noteFailure(error: unknown, label: string): void {
    if (typeof error === 'object' && error !== null) this.#failures.set(error, label);
  }

  /** The label of the command whose failure `error` is, or undefined if the group function threw it itself. */
  failedCommand(error: unknown): string | undefined {
    return typeof error === 'object' && error !== null ? this.#failures.get(error) : undefined;
  }
}

function ignore(): void {}
