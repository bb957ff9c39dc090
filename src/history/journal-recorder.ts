import type { Journal } from '../store/index.js';
import type { Command } from './command.js';
import { encodeCommand, type CommandRecord, type HistoryRecord } from './records.js';
import type { CommandRegistry } from './registry.js';

/**
 * Writes a durable history's records to its journal stream, one acknowledged operation per
 * record, each append conditional on the last sequence number this history wrote (so that
 * a second writer on the stream is detected, not interleaved).
 */
export class JournalRecorder {
  readonly journal: Journal;
  readonly stream: string;
  readonly registry: CommandRegistry;
  #lastSeq: number;

  constructor(journal: Journal, stream: string, registry: CommandRegistry, lastSeq: number) {
    this.journal = journal;
    this.stream = stream;
    this.registry = registry;
    this.#lastSeq = lastSeq;
  }

  /** The sequence number of the last record of the stream, as this history knows it. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * The journal form of `command`, computed before it runs so that a command the history
   * could not rebuild on replay is refused without side effects.
   */
  encode(command: Command): CommandRecord {
    return encodeCommand(command, this.registry, this.stream);
  }

  /**
   * Appends `record` and resolves once the journal acknowledges it, that is once it is as
   * durable as the journal's policy promises (on stable storage under `always`).
   */
  async append(record: HistoryRecord): Promise<void> {
    const result = await this.journal.append(this.stream, [record], { expectedSeq: this.#lastSeq });
    this.#lastSeq = result.lastSeq;
  }
}
