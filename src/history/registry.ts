import { InvalidArgumentError } from '../errors.js';
import type { JsonValue } from '../internal/json.js';
import { assertCommand, type Command } from './command.js';
import { HistoryUnknownCommandTypeError } from './errors.js';

/** What a command type's `create` returns: a command without `type` and `data`, which the factory adds. */
export type CommandSpec = Omit<Command, 'type' | 'data'>;

/**
 * Makes commands of one registered type from their data. The commands it returns carry
 * `type` and `data`, so a durable history can journal them and rebuild them on open.
 */
export type CommandFactory<D> = (...args: undefined extends D ? [data?: D] : [data: D]) => Command;

/**
 * The command types a durable history can journal, each with how to rebuild a command from
 * its JSON data.
 *
 * Define every type before opening a history on a journal: replay rebuilds each command
 * with `create(data)` and fails (never skips) on a type that is not defined. `create` must
 * be deterministic and free of side effects, since it also runs on replay; the effects
 * belong in the command's `execute`, `undo` and `redo`.
 *
 * @example
 * ```ts
 * const registry = new CommandRegistry();
 * const rename = registry.define('rename', (d: { from: string; to: string }) => ({
 *   label: `Rename to "${d.to}"`,
 *   execute: () => { doc.name = d.to; },
 *   undo: () => { doc.name = d.from; },
 * }));
 * await history.execute(rename({ from: 'a', to: 'b' }));
 * ```
 */
export class CommandRegistry {
  readonly #creators = new Map<string, (data: JsonValue | undefined) => CommandSpec>();

  /**
   * Defines command type `type`, and returns the factory that makes its commands.
   *
   * `data` must be JSON (plain objects, arrays, strings, finite numbers, booleans, null) and
   * must not be changed after the command is made: a durable history journals it as it is
   * when the command runs, and checks it then.
   *
   * @throws {@link InvalidArgumentError} when `type` is empty or already defined, or `create`
   * is not a function.
   */
  define<D = undefined>(type: string, create: (data: D) => CommandSpec): CommandFactory<D> {
    if (typeof type !== 'string' || type === '') {
      throw new InvalidArgumentError({ path: 'registry.define type', expected: 'a non-empty string', got: type });
    }
    if (this.#creators.has(type)) {
      throw new InvalidArgumentError({ path: 'registry.define type', expected: 'a type not defined yet in this registry', got: type });
    }
    if (typeof create !== 'function') {
      throw new InvalidArgumentError({ path: `registry.define("${type}") create`, expected: 'a function (data) => command', got: create });
    }
    // Journaled data is JSON by contract (checked when a durable history journals it), so
    // the creator can be stored at the erased type.
    this.#creators.set(type, create as (data: JsonValue | undefined) => CommandSpec);
    return (data?: D) => this.#make(type, create(data as D), data as JsonValue | undefined);
  }

  /** Tells whether `type` has been defined. */
  has(type: string): boolean {
    return this.#creators.has(type);
  }

  /**
   * Rebuilds a command from its type and data, as replay does.
   *
   * @throws {@link HistoryUnknownCommandTypeError} when `type` is not defined.
   * @throws {@link InvalidArgumentError} when its `create` returns something that is not a command.
   */
  revive(type: string, data: JsonValue | undefined): Command {
    const create = this.#creators.get(type);
    if (create === undefined) throw new HistoryUnknownCommandTypeError({ type });
    return this.#make(type, create(data), data);
  }

  #make(type: string, spec: CommandSpec, data: JsonValue | undefined): Command {
    assertCommand(spec, `registry.define("${type}") create(data)`);
    // Bound wrappers rather than a spread, so that commands written as class instances keep
    // their prototype methods and `this`.
    const redo = spec.redo;
    return Object.freeze({
      label: spec.label,
      execute: () => spec.execute(),
      undo: () => spec.undo(),
      redo: redo === undefined ? undefined : () => redo.call(spec),
      coalesceKey: spec.coalesceKey,
      type,
      data,
    });
  }
}
