/** One retained version. */
export interface Snapshot<S> {
  readonly version: number;
  readonly atMs: number;
  readonly state: S;
}

/**
 * The retained versions of a store, oldest first, at most `keep` of them. Versions are
 * consecutive, so finding one by number is arithmetic; timestamps never decrease, so finding
 * one by time is a binary search. Dropping the oldest is O(1) amortised: the array is compacted
 * only once the dropped prefix is as long as what remains.
 */
export class VersionLog<S> {
  #entries: (Snapshot<S> | undefined)[];
  #first = 0;
  readonly #keep: number;

  constructor(keep: number, origin: Snapshot<S>) {
    this.#keep = keep;
    this.#entries = [origin];
  }

  /** The current version. */
  get newest(): Snapshot<S> {
    return this.#entries[this.#entries.length - 1] as Snapshot<S>;
  }

  /** The oldest retained version. */
  get oldest(): Snapshot<S> {
    return this.#entries[this.#first] as Snapshot<S>;
  }

  /** Appends the next version and drops the oldest beyond `keep`. */
  push(snapshot: Snapshot<S>): void {
    this.#entries.push(snapshot);
    if (this.#entries.length - this.#first > this.#keep) {
      this.#entries[this.#first] = undefined;
      this.#first++;
      if (this.#first >= 64 && this.#first * 2 >= this.#entries.length) {
        this.#entries = this.#entries.slice(this.#first);
        this.#first = 0;
      }
    }
  }

  /** The retained version numbered `version`. */
  byVersion(version: number): Snapshot<S> | undefined {
    const index = this.#first + version - this.oldest.version;
    return index >= this.#first && index < this.#entries.length ? this.#entries[index] : undefined;
  }

  /** The newest retained version made at or before `atMs`. */
  byTime(atMs: number): Snapshot<S> | undefined {
    let low = this.#first;
    let high = this.#entries.length - 1;
    let found: Snapshot<S> | undefined;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const entry = this.#entries[middle] as Snapshot<S>;
      if (entry.atMs <= atMs) {
        found = entry;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /** Every retained version, oldest first. */
  list(): Snapshot<S>[] {
    return this.#entries.slice(this.#first) as Snapshot<S>[];
  }
}
