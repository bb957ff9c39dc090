import type { Journal } from '../store/index.js';
import type { Command } from './command.js';
import { HistoryReplayFailedError, type CommandPhase } from './errors.js';
import { decodeCommand, decodeRecord, type CommandRecord, type DecodedRecord } from './records.js';
import type { CommandRegistry } from './registry.js';
import type { StepRunner } from './runner.js';
import { Stacks, type StackChange, type Step } from './stacks.js';

/** Records read per `journal.read`: large enough to amortise the call, small enough to bound memory. */
const PAGE = 10_000;

/** What reading a history stream found. */
export interface StreamEnd {
  /** The last sequence number of the stream (0 for a new stream). */
  readonly lastSeq: number;
  /** The depth of the last config record, or undefined for a new stream. */
  readonly depth: number | undefined;
}

/**
 * Reads a history stream in order, checks every record (the first must be a config
 * record) and hands each to `onRecord` with its sequence number. `onRecord` returns a
 * promise only when it has asynchronous work, so that a stacks-only replay of a long stream
 * does not pay one microtask per record.
 *
 * @throws {@link HistoryReplayFailedError} or {@link HistoryUnknownCommandTypeError} at the
 * first record that does not replay.
 */
export async function readHistoryStream(
  journal: Journal,
  stream: string,
  registry: CommandRegistry,
  onRecord: (change: DecodedRecord, seq: number) => void | Promise<void>,
): Promise<StreamEnd> {
  let lastSeq = 0;
  let depth: number | undefined;
  for (;;) {
    const page = await journal.read(stream, { fromSeq: lastSeq + 1, limit: PAGE });
    for (const record of page) {
      const change = decodeRecord(record, registry, stream);
      if (record.seq === 1 && change.kind !== 'depth') {
        throw new HistoryReplayFailedError({ stream, seq: 1, reason: `the stream starts with a "${record.type}" record, not a config record` });
      }
      if (change.kind === 'depth') depth = change.depth;
      const pending = onRecord(change, record.seq);
      if (pending !== undefined) await pending;
      lastSeq = record.seq;
    }
    if (page.length < PAGE) return { lastSeq, depth };
  }
}

/**
 * Replays a stream with its effects (`replay: 'effects'`): rebuilds each record's commands,
 * applies the record to `stacks` and runs what it did (execute, undo or redo) again, in
 * journal order.
 *
 * @throws {@link HistoryReplayFailedError} when a record does not replay, a command cannot be
 * rebuilt or re-running it throws.
 * @throws {@link HistoryUnknownCommandTypeError} at a record holding an undefined type.
 */
export function replayEffects(
  journal: Journal,
  stream: string,
  registry: CommandRegistry,
  stacks: Stacks<Command>,
  runner: StepRunner,
): Promise<StreamEnd> {
  return readHistoryStream(journal, stream, registry, async (change, seq) => {
    const fail = (reason: string, cause?: unknown): HistoryReplayFailedError => new HistoryReplayFailedError({ stream, seq, reason, cause });
    let built: StackChange<Command>;
    try {
      built = change.kind === 'execute' ? { kind: 'execute', step: { label: change.step.label, commands: change.step.commands.map((c) => decodeCommand(c, registry)) } }
        : change.kind === 'coalesce' ? { kind: 'coalesce', command: decodeCommand(change.command, registry) }
        : change;
    } catch (cause) {
      throw fail('its commands cannot be rebuilt', cause);
    }
    const refusal = stacks.refusal(built);
    if (refusal !== undefined) throw fail(refusal);
    const step = built.kind === 'execute' ? built.step
      : built.kind === 'coalesce' ? { label: built.command.label, commands: [built.command] }
      : built.kind === 'undo' ? stacks.undo.peek()
      : built.kind === 'redo' ? stacks.redo.peek()
      : undefined;
    if (step !== undefined) {
      const phase: CommandPhase = built.kind === 'undo' || built.kind === 'redo' ? built.kind : 'execute';
      try {
        await runner.runStep(step, phase);
      } catch (cause) {
        throw fail(`re-running its ${phase} failed`, cause);
      }
    }
    stacks.apply(built);
  });
}

/**
 * Replays a stream into stacks of journal data, then builds commands (through the
 * registry) only for the steps that survived the depth bound: no command runs.
 *
 * @throws {@link HistoryReplayFailedError} when a record does not replay or a command's
 * `create` throws.
 * @throws {@link HistoryUnknownCommandTypeError} at a record holding an undefined type.
 */
export async function replayStacks(
  journal: Journal,
  stream: string,
  registry: CommandRegistry,
): Promise<StreamEnd & { readonly undo: Step<Command>[]; readonly redo: Step<Command>[] }> {
  const stacks = new Stacks<CommandRecord>(Infinity);
  const end = await readHistoryStream(journal, stream, registry, (change, seq) => {
    const refusal = stacks.refusal(change);
    if (refusal !== undefined) throw new HistoryReplayFailedError({ stream, seq, reason: refusal });
    stacks.apply(change);
  });
  const build = (step: Step<CommandRecord>): Step<Command> => {
    try {
      return { label: step.label, commands: step.commands.map((c) => decodeCommand(c, registry)) };
    } catch (cause) {
      throw new HistoryReplayFailedError({ stream, reason: `the commands of step "${step.label}" cannot be rebuilt`, cause });
    }
  };
  return { ...end, undo: stacks.undo.toArray().map(build), redo: stacks.redo.toArray().map(build) };
}
