/**
 * Progress of a batch (runs recovering) on stderr: a bar redrawn in place on a terminal,
 * one plain line per item otherwise (a log file or CI keeps every step, without control
 * characters). The output ends the bar's line before it writes anything else.
 *
 * @module
 */
import type { Output } from './output.js';

/** A progress display over `total` items. */
export class Progress {
  readonly #out: Output;
  readonly #total: number;
  readonly #label: string;
  #done = 0;

  constructor(out: Output, total: number, label: string) {
    this.#out = out;
    this.#total = total;
    this.#label = label;
    this.#out.status?.(this.#bar(''));
  }

  /** One more item is done; `note` says how it ended (`order-42 completed`). */
  tick(note: string): void {
    this.#done += 1;
    if (this.#out.status !== undefined) this.#out.status(this.#bar(note));
    else this.#out.error(`${this.#label} ${this.#done}/${this.#total}: ${note}`);
  }

  #bar(note: string): string {
    const width = 24;
    const filled = this.#total === 0 ? width : Math.round((this.#done / this.#total) * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    return `${this.#label} [${bar}] ${this.#done}/${this.#total}${note === '' ? '' : `  ${note}`}`;
  }
}
