import { InvalidArgumentError } from '../errors.js';
import { assertJson, type JsonValue } from '../internal/json.js';
import type { Command } from './command.js';
import { HistoryReplayFailedError, HistoryUnknownCommandTypeError } from './errors.js';
import { MacroCommand, macro } from './macro.js';
import type { CommandRegistry } from './registry.js';
import type { StackChange } from './stacks.js';

/**
 * The journal format of a history stream. One record per acknowledged operation:
 *
 * - `config` `{ version: 1, depth }`: first in every stream, and again when a history is
 *   opened with another depth (`depth: null` is unbounded). Replay applies the depth in force
 *   at each point, so it drops exactly the steps the live history dropped.
 * - `execute` `{ label, commands }`: a new undo step (one command, a macro or a group).
 * - `coalesce` `{ command }`: a command joined the top undo step.
 * - `undo`, `redo`: no data; the top step moved between the stacks.
 *
 * A command is `{ type, data? }` (rebuilt through the registry) or `{ macro, commands }`.
 */
export type HistoryRecord =
  | { readonly type: 'config'; readonly data: { readonly version: 1; readonly depth: number | null } }
  | { readonly type: 'execute'; readonly data: { readonly label: string; readonly commands: readonly CommandRecord[] } }
  | { readonly type: 'coalesce'; readonly data: { readonly command: CommandRecord } }
  | { readonly type: 'undo' }
  | { readonly type: 'redo' };

/** A journaled command: a registry type with its data, or a macro of journaled commands. */
export type CommandRecord =
  | { readonly type: string; readonly data?: JsonValue }
  | { readonly macro: string; readonly commands: readonly CommandRecord[] };

const FORMAT_VERSION = 1;

/** The `config` record for `depth`. */
export function configRecord(depth: number): HistoryRecord {
  return { type: 'config', data: { version: FORMAT_VERSION, depth: depth === Infinity ? null : depth } };
}

/**
 * Turns a command into its journal form, refusing (before it runs) one that a durable
 * history could not rebuild on replay.
 *
 * @throws {@link InvalidArgumentError} when the command has no type, or its data is not JSON.
 * @throws {@link HistoryUnknownCommandTypeError} when its type is not in `registry`.
 */
export function encodeCommand(command: Command, registry: CommandRegistry, stream: string, path = 'command'): CommandRecord {
  if (command instanceof MacroCommand) {
    return { macro: command.label, commands: command.commands.map((c, i) => encodeCommand(c, registry, stream, `${path}.commands[${i}]`)) };
  }
  if (command.type === undefined) {
    throw new InvalidArgumentError({
      path: `${path} "${command.label}" type`,
      expected: 'a command made by a registry.define factory (a durable history journals commands by type and data)',
      got: command.type,
    });
  }
  if (!registry.has(command.type)) throw new HistoryUnknownCommandTypeError({ type: command.type, stream });
  if (command.data === undefined) return { type: command.type };
  assertJson(command.data, `${path} "${command.label}" data`);
  return { type: command.type, data: command.data };
}

/** Rebuilds a journaled command through the registry. */
export function decodeCommand(record: CommandRecord, registry: CommandRegistry): Command {
  if ('macro' in record) return macro(record.macro, record.commands.map((c) => decodeCommand(c, registry)));
  return registry.revive(record.type, record.data);
}

/** A decoded record: the stack change it stands for. */
export type DecodedRecord = StackChange<CommandRecord>;

/**
 * Checks one stored record of a history stream and returns the change it stands for.
 * Every command type is checked against `registry` here, at open, so that an unknown type
 * fails the open at its record even if its step was later dropped by the depth bound.
 *
 * @throws {@link HistoryReplayFailedError} when the record is not a valid history record.
 * @throws {@link HistoryUnknownCommandTypeError} when it holds a type `registry` does not define.
 */
export function decodeRecord(
  record: { readonly seq: number; readonly type: string; readonly data: JsonValue | undefined },
  registry: CommandRegistry,
  stream: string,
): DecodedRecord {
  const data = record.data;
  switch (record.type) {
    case 'undo':
    case 'redo':
      return { kind: record.type };
    case 'config': {
      if (!isObject(data) || data['version'] !== FORMAT_VERSION) {
        throw invalid(stream, record.seq, `a config record of format ${JSON.stringify(isObject(data) ? data['version'] : data)} is not format ${FORMAT_VERSION} (written by a newer rewind?)`);
      }
      const depth = data['depth'];
      if (depth === null) return { kind: 'depth', depth: Infinity };
      if (typeof depth === 'number' && Number.isInteger(depth) && depth >= 1) return { kind: 'depth', depth };
      throw invalid(stream, record.seq, 'a config record has no valid depth');
    }
    case 'execute': {
      const commands = isObject(data) ? data['commands'] : undefined;
      if (!isObject(data) || typeof data['label'] !== 'string' || !isNonEmptyArray(commands)) {
        throw invalid(stream, record.seq, 'an execute record has no label or no commands');
      }
      return { kind: 'execute', step: { label: data['label'], commands: commands.map((c) => checkCommand(c, registry, stream, record.seq)) } };
    }
    case 'coalesce': {
      if (!isObject(data)) throw invalid(stream, record.seq, 'a coalesce record has no command');
      return { kind: 'coalesce', command: checkCommand(data['command'], registry, stream, record.seq) };
    }
    default:
      throw invalid(stream, record.seq, `record type "${record.type}" is not a history record`);
  }
}

function invalid(stream: string, seq: number, reason: string): HistoryReplayFailedError {
  return new HistoryReplayFailedError({ stream, seq, reason });
}

function checkCommand(value: JsonValue | undefined, registry: CommandRegistry, stream: string, seq: number): CommandRecord {
  if (isObject(value)) {
    const type = value['type'];
    if (typeof type === 'string') {
      if (!registry.has(type)) throw new HistoryUnknownCommandTypeError({ type, stream, seq });
      return value as CommandRecord;
    }
    const commands = value['commands'];
    if (typeof value['macro'] === 'string' && isNonEmptyArray(commands)) {
      for (const c of commands) checkCommand(c, registry, stream, seq);
      return value as CommandRecord;
    }
  }
  throw new HistoryReplayFailedError({ stream, seq, reason: 'a command is neither { type, data } nor { macro, commands }' });
}

function isNonEmptyArray(value: JsonValue | undefined): value is readonly JsonValue[] {
  return Array.isArray(value) && value.length > 0;
}

function isObject(value: JsonValue | undefined): value is { readonly [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
