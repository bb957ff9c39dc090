import { InvalidArgumentError } from '../errors.js';
import { EventSource, type Disposable } from '../internal/event.js';
import { assertCommand, type Command } from './command.js';
import {
  HistoryClosedError,
  HistoryJournalWriteError,
  HistoryMacroFailedError,
  HistoryReentrantCallError,
  type CommandPhase,
} from './errors.js';
import { GroupFrame } from './frames.js';
import { snapshot, type HistoryChange, type HistoryStep } from './history-change.js';
import { JournalRecorder } from './journal-recorder.js';
import { MacroCommand, rollBack } from './macro.js';
import { resolveHistoryOptions, resolveOpenOptions, type HistoryOptions, type OpenHistoryOptions, type ResolvedHistoryOptions } from './options.js';
import { configRecord, type CommandRecord, type HistoryRecord } from './records.js';
import { replayEffects, replayStacks } from './replay.js';
import { StepRunner } from './runner.js';
import { Stacks, type StackChange, type Step } from './stacks.js';

/**
 * Undo and redo stacks of {@link Command}s, in memory or made durable by a journal.
 *
 * `execute(command)` runs a command and pushes it as an undo step (clearing the redo
 * stack); `undo()` reverses the top step and moves it to the redo stack; `redo()` moves it
 * back. Operations run one at a time, in call order, even when commands are asynchronous:
 * a second `undo()` called while one runs waits its turn. A command that throws leaves the
 * stacks as they were and the call rejects with an error naming it. At most `depth` steps
 * are kept; the oldest is dropped.
 *
 * Several commands make one step in three ways: a {@link macro} (fixed commands, all or
 * nothing), `group(label, fn)` (the commands `fn` executes), and coalescing (commands with
 * one `coalesceKey` executed within `coalesceWindow` of each other, like typing into one
 * field). Undoing such a step undoes its commands in reverse, all or nothing.
 *
 * A history opened with {@link History.open} records every operation in a journal stream
 * and is rebuilt from it after a restart. Each operation resolves only once its record is
 * acknowledged by the journal (for durability `always`: on stable storage), so what a
 * caller saw succeed survives a crash; an operation whose record cannot be written is
 * reversed and rejects. Under durability `interval` or `none`, acknowledged means what those
 * policies promise: a machine crash may take back the last operations, and the history then
 * comes back as of the last record that survived, never half an operation.
 *
 * @example
 * ```ts
 * const history = new History({ depth: 50 });
 * await history.execute({ label: 'Bold', execute: () => doc.bold(r), undo: () => doc.unbold(r) });
 * history.undoLabel; // 'Bold'
 * await history.undo();
 * await history.redo();
 * ```
 */
export class History {
  readonly #options: ResolvedHistoryOptions;
  readonly #stacks: Stacks<Command>;
  readonly #changes = new EventSource<HistoryChange>();
  readonly #runner = new StepRunner();
  #recorder: JournalRecorder | undefined;
  #tail: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  /** The coalescing run the top undo step belongs to, if the last operation continued or started one. */
  #run: { readonly key: string; at: number } | undefined;

  /**
   * Makes an empty history in memory. Use {@link History.open} for a durable one.
   *
   * @throws {@link InvalidArgumentError} when an option is not valid.
   */
  constructor(options?: HistoryOptions) {
    this.#options = resolveHistoryOptions(options, 'History options');
    this.#stacks = new Stacks(this.#options.depth);
  }

  /**
   * Opens a durable history on a journal stream: replays the stream to rebuild the undo and
   * redo stacks (by default without running any command; see `replay`), then records every
   * operation in it. A new stream starts empty. The history does not own the journal:
   * close the journal after the history.
   *
   * Every command given to a durable history must be journalable: made by a factory from
   * `registry.define` (or a macro of such), with JSON data.
   *
   * @example
   * ```ts
   * const journal = await openStore('sqlite:./app.db');
   * const history = await History.open({ journal, stream: 'doc-42', registry });
   * ```
   *
   * @throws {@link HistoryUnknownCommandTypeError} when the stream holds a command type the
   * registry does not define (nothing is skipped).
   * @throws {@link HistoryReplayFailedError} when the stream does not replay into a history.
   * @throws {@link InvalidArgumentError} when an option is not valid.
   * @throws the journal's errors (`StoreClosedError`, `StoreUnavailableError`, ...) as they are.
   */
  static async open(options: OpenHistoryOptions): Promise<History> {
    const { journal, stream, registry, replay } = resolveOpenOptions(options);
    const history = new History(options);
    let end;
    if (replay === 'stacks') {
      end = await replayStacks(journal, stream, registry);
      history.#stacks.load(end.undo, end.redo);
    } else {
      end = await replayEffects(journal, stream, registry, history.#stacks, history.#runner);
    }
    const recorder = new JournalRecorder(journal, stream, registry, end.lastSeq);
    const depth = history.#options.depth;
    if (end.depth !== depth) await recorder.append(configRecord(depth));
    history.#stacks.apply({ kind: 'depth', depth });
    history.#recorder = recorder;
    return history;
  }

  /** Whether `undo()` would undo something now. */
  get canUndo(): boolean {
    return this.#stacks.undo.length > 0;
  }

  /** Whether `redo()` would redo something now. */
  get canRedo(): boolean {
    return this.#stacks.redo.length > 0;
  }

  /** Label of the step `undo()` would undo, for an "Undo …" menu item. */
  get undoLabel(): string | undefined {
    return this.#stacks.undo.peek()?.label;
  }

  /** Label of the step `redo()` would redo, for a "Redo …" menu item. */
  get redoLabel(): string | undefined {
    return this.#stacks.redo.peek()?.label;
  }

  /** The undo stack, oldest first: the last step is the next to undo. A snapshot. */
  get undoStack(): readonly HistoryStep[] {
    return snapshot(this.#stacks.undo.toArray());
  }

  /** The redo stack, oldest first: the last step is the next to redo. A snapshot. */
  get redoStack(): readonly HistoryStep[] {
    return snapshot(this.#stacks.redo.toArray());
  }

  /**
   * Calls `listener` after every acknowledged operation (never for one that failed).
   * Returns a handle that unsubscribes it.
   */
  onChange(listener: (change: HistoryChange) => void): Disposable {
    return this.#changes.subscribe(listener);
  }

  /**
   * Executes `command` and pushes it as a new undo step, clearing the redo stack, or adds
   * it to the top step when it continues a coalescing run. Inside `group()`, adds it to the
   * group instead. Waits for earlier operations first. Resolves when done (durable: when its
   * record is acknowledged by the journal).
   *
   * @throws {@link HistoryCommandFailedError} when the command throws; nothing changes.
   * @throws {@link HistoryMacroFailedError} when a macro fails; the commands that ran were undone.
   * @throws {@link HistoryJournalWriteError} when its record cannot be written; it was undone.
   * @throws {@link InvalidArgumentError} when `command` is malformed or, for a durable
   * history, has no registry type or non-JSON data (refused before it runs).
   * @throws {@link HistoryUnknownCommandTypeError} when its type is not in the registry.
   * @throws {@link HistoryClosedError} after `close()`.
   * @throws {@link HistoryReentrantCallError} when called from inside one of this history's commands.
   */
  async execute(command: Command): Promise<void> {
    const group = this.#enter('execute');
    assertCommand(command, 'command');
    const record = this.#recorder?.encode(command);
    const at = this.#options.clock();
    if (group !== undefined) {
      await group.enqueue(async () => {
        try {
          await this.#runner.runStep({ label: command.label, commands: [command] }, 'execute');
        } catch (error) {
          group.noteFailure(error, command.label);
          throw error;
        }
        group.add(command, record);
      });
      return;
    }
    await this.#enqueue(() => this.#executeStep(command, record, at));
  }

  /**
   * Undoes the top undo step and moves it to the redo stack. Waits for earlier operations
   * first. Resolves to false, changing nothing, when there is nothing to undo.
   *
   * @throws {@link HistoryCommandFailedError} when the command throws; the step stays on the undo stack.
   * @throws {@link HistoryMacroFailedError} when one command of a multi-command step throws;
   * the ones already undone were redone and the step stays on the undo stack.
   * @throws {@link HistoryJournalWriteError} when its record cannot be written; it was redone.
   * @throws {@link HistoryClosedError} after `close()`.
   * @throws {@link HistoryReentrantCallError} when called from inside a command or group of this history.
   */
  async undo(): Promise<boolean> {
    this.#enter('undo');
    return this.#enqueue(() => this.#move('undo'));
  }

  /**
   * Redoes the top redo step and moves it back to the undo stack. Waits for earlier
   * operations first. Resolves to false, changing nothing, when there is nothing to redo.
   *
   * @throws {@link HistoryCommandFailedError} when the command throws; the step stays on the redo stack.
   * @throws {@link HistoryMacroFailedError} when one command of a multi-command step throws;
   * the ones already redone were undone and the step stays on the redo stack.
   * @throws {@link HistoryJournalWriteError} when its record cannot be written; it was undone.
   * @throws {@link HistoryClosedError} after `close()`.
   * @throws {@link HistoryReentrantCallError} when called from inside a command or group of this history.
   */
  async redo(): Promise<boolean> {
    this.#enter('redo');
    return this.#enqueue(() => this.#move('redo'));
  }

  /**
   * Runs `fn` and makes the commands it executes (with `history.execute`, awaited or not)
   * one undo step labelled `label`, and resolves to what `fn` returns. Other callers'
   * operations wait until the group ends. If `fn` throws, the commands it executed are
   * undone in reverse and the group fails as one unit. A group inside a group becomes one
   * macro within it; a group that executed nothing adds no step.
   *
   * @throws {@link HistoryMacroFailedError} when `fn` throws (its error is the `cause`).
   * @throws {@link HistoryJournalWriteError} when the group's record cannot be written; its commands were undone.
   * @throws {@link InvalidArgumentError} when `label` is empty or `fn` is not a function.
   * @throws {@link HistoryClosedError} after `close()`.
   * @throws {@link HistoryReentrantCallError} when called from inside one of this history's commands.
   */
  async group<T>(label: string, fn: () => T | Promise<T>): Promise<T> {
    const parent = this.#enter('group');
    if (typeof label !== 'string' || label === '') {
      throw new InvalidArgumentError({ path: 'group label', expected: 'a non-empty string', got: label });
    }
    if (typeof fn !== 'function') {
      throw new InvalidArgumentError({ path: `group "${label}" fn`, expected: 'a function', got: fn });
    }
    if (parent === undefined) return this.#enqueue(() => this.#runGroup(label, fn, undefined));
    try {
      return await parent.enqueue(() => this.#runGroup(label, fn, parent));
    } catch (error) {
      parent.noteFailure(error, label);
      throw error;
    }
  }

  /**
   * Lets the operations already called finish, then refuses new ones. Does not close the
   * journal of a durable history, which the caller owns. Calling it again is harmless.
   *
   * @throws {@link HistoryReentrantCallError} when called from inside a command or group of this history.
   */
  async close(): Promise<void> {
    this.#enter('close');
    this.#closing ??= this.#tail;
    await this.#closing;
  }

  /** Same as {@link History.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Checks that `method` may be called in the current async context, and returns the group
   * it is called in, if any. Calls from inside a group skip the closed check: the group
   * was called before `close()`, and its commands belong to it. `close` is never refused as
   * closed: closing twice is harmless.
   */
  #enter(method: 'execute' | 'undo' | 'redo' | 'group' | 'close'): GroupFrame | undefined {
    const frame = this.#runner.current();
    if (frame !== undefined) {
      if (frame.kind === 'group' && (method === 'execute' || method === 'group')) return frame;
      throw new HistoryReentrantCallError({ method, inside: frame.kind, label: frame.label });
    }
    if (this.#closing !== undefined && method !== 'close') throw new HistoryClosedError({ method, stream: this.#recorder?.stream });
    return undefined;
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(op);
    this.#tail = result.then(ignore, ignore);
    return result;
  }

  async #executeStep(command: Command, record: CommandRecord | undefined, at: number): Promise<void> {
    const key = command.coalesceKey;
    const run = this.#run;
    const joins = key !== undefined && run?.key === key && at - run.at <= this.#options.coalesceWindowMs && this.canUndo;
    const step: Step<Command> = { label: command.label, commands: [command] };
    await this.#runner.runStep(step, 'execute');
    const undo = (): Promise<void> => this.#runner.runStep(step, 'undo');
    if (joins) {
      await this.#commit(record && { type: 'coalesce', data: { command: record } }, { kind: 'coalesce', command }, undo, command.label, 'execute');
      run.at = at;
    } else {
      await this.#commit(record && { type: 'execute', data: { label: step.label, commands: [record] } }, { kind: 'execute', step }, undo, step.label, 'execute');
      this.#run = key === undefined ? undefined : { key, at };
    }
  }

  async #move(phase: 'undo' | 'redo'): Promise<boolean> {
    this.#run = undefined;
    const step = (phase === 'undo' ? this.#stacks.undo : this.#stacks.redo).peek();
    if (step === undefined) return false;
    await this.#runner.runStep(step, phase);
    const reverse = (): Promise<void> => this.#runner.runStep(step, phase === 'undo' ? 'redo' : 'undo');
    await this.#commit({ type: phase }, { kind: phase }, reverse, step.label, phase);
    return true;
  }

  async #runGroup<T>(label: string, fn: () => T | Promise<T>, parent: GroupFrame | undefined): Promise<T> {
    const frame = new GroupFrame(label);
    let result: T;
    try {
      result = await this.#runner.inGroup(frame, fn);
      await frame.settled();
    } catch (cause) {
      frame.active = false;
      await frame.settled();
      const rollbackFailures = await this.#runner.inCommand(label, () => rollBack(frame.commands, 'execute'));
      throw new HistoryMacroFailedError({
        label,
        command: frame.failedCommand(cause),
        phase: 'execute',
        cause,
        rolledBack: frame.commands.length,
        rollbackFailures,
      });
    } finally {
      frame.active = false;
    }
    if (frame.commands.length === 0) return result;
    if (parent !== undefined) {
      parent.add(new MacroCommand(label, frame.commands), this.#recorder && { macro: label, commands: frame.records });
      return result;
    }
    const step: Step<Command> = { label, commands: [...frame.commands] };
    const record: HistoryRecord | undefined = this.#recorder && { type: 'execute', data: { label, commands: frame.records } };
    await this.#commit(record, { kind: 'execute', step }, () => this.#runner.runStep(step, 'undo'), label, 'execute');
    this.#run = undefined;
    return result;
  }

  /**
   * Makes a done operation count: appends its record (durable histories), then changes the
   * stacks and tells listeners. If the record cannot be written, `reverse` takes the
   * operation back so that nothing unrecorded stays done, and the call rejects.
   */
  async #commit(
    record: HistoryRecord | undefined,
    change: Exclude<StackChange<Command>, { kind: 'depth' }>,
    reverse: () => Promise<void>,
    label: string,
    phase: CommandPhase,
  ): Promise<void> {
    const recorder = this.#recorder;
    if (recorder !== undefined && record !== undefined) {
      try {
        await recorder.append(record);
      } catch (cause) {
        let reverseError: unknown;
        try {
          await reverse();
        } catch (error) {
          // runStep only throws history errors, so a caught value is never undefined.
          reverseError = error;
        }
        throw new HistoryJournalWriteError({ stream: recorder.stream, phase, label, cause, reverseError });
      }
    }
    this.#stacks.apply(change);
    if (this.#changes.hasListeners) {
      this.#changes.emit(Object.freeze({
        kind: change.kind,
        // A coalesced command is reported as a change to the step it joined.
        label: change.kind === 'coalesce' ? this.undoLabel! : label,
        canUndo: this.canUndo,
        canRedo: this.canRedo,
        undoLabel: this.undoLabel,
        redoLabel: this.redoLabel,
      }));
    }
  }
}

function ignore(): void {}
