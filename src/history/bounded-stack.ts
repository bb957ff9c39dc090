/**
 * A stack that holds at most `capacity` items: pushing onto a full stack drops the oldest.
 *
 * Up to its capacity it is a plain array; once it has been full it becomes a ring of
 * exactly `capacity` slots, so a push onto a full stack costs O(1) and the dropped item is
 * released at once. (`Array.prototype.shift` on a small array costs ~300 ns in V8, which a
 * replay of a million steps would pay a million times.)
 */
export class BoundedStack<T> {
  #items: (T | undefined)[] = [];
  /** Index of the oldest item; moves only in ring mode. */
  #start = 0;
  #size = 0;
  #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get length(): number {
    return this.#size;
  }

  /** In ring mode once the array has grown to the capacity. */
  get #ring(): boolean {
    return this.#items.length === this.#capacity;
  }

  /** Pushes `item`, dropping the oldest item when the stack is full. */
  push(item: T): void {
    if (!this.#ring) {
      this.#items.push(item);
      this.#size++;
    } else if (this.#size === this.#capacity) {
      this.#items[this.#start] = item;
      this.#start = (this.#start + 1) % this.#capacity;
    } else {
      this.#items[(this.#start + this.#size) % this.#capacity] = item;
      this.#size++;
    }
  }

  /** Removes and returns the newest item. */
  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    this.#size--;
    if (!this.#ring) return this.#items.pop();
    const index = (this.#start + this.#size) % this.#capacity;
    const item = this.#items[index];
    this.#items[index] = undefined;
    return item;
  }

  /** The newest item, left in place. */
  peek(): T | undefined {
    if (this.#size === 0) return undefined;
    return this.#items[this.#ring ? (this.#start + this.#size - 1) % this.#capacity : this.#size - 1];
  }

  /** The items, oldest first. */
  toArray(): T[] {
    if (!this.#ring) return this.#items.slice() as T[];
    const out: T[] = [];
    for (let i = 0; i < this.#size; i++) out.push(this.#items[(this.#start + i) % this.#capacity]!);
    return out;
  }

  /** Removes every item. */
  clear(): void {
    this.#items = [];
    this.#start = 0;
    this.#size = 0;
  }

  /** Changes the capacity, dropping the oldest items beyond it. */
  setCapacity(capacity: number): void {
    const all = this.toArray();
    this.#items = all.length > capacity ? all.slice(all.length - capacity) : all;
    this.#start = 0;
    this.#size = this.#items.length;
    this.#capacity = capacity;
  }
}
