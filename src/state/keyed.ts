import { current, freeze, immerable, isDraft, type Draft } from 'immer';
import {
  trieBuild,
  trieDelete,
  trieGet,
  trieLeaves,
  trieSet,
  type TrieNode,
} from './hamt.js';
import { draftOf, forgetDraft } from './produce.js';

/**
 * Where a {@link Keyed} keeps its trie. A symbol, so that it stays out of `Object.keys` and
 * JSON; not a `#private` field, because recipes call the methods on Immer's proxy of the
 * collection, which private fields do not reach, and Immer copies own properties only.
 */
export const KEYED_ROOT = Symbol('rewind.keyed.root');
/** Where a {@link Keyed} keeps its entry count. */
export const KEYED_SIZE = Symbol('rewind.keyed.size');

/**
 * A persistent keyed collection (string keys) for large collections in a store's state.
 *
 * Use it wherever state holds many entries by id (users, documents, rows): changing one entry
 * of a plain object copies the whole object (Immer copies on write), while changing one entry of
 * a `Keyed` copies a handful of small trie nodes and shares the rest with every earlier version.
 * Commit time, patch size and memory per retained version then follow what changed, not the
 * collection's size.
 *
 * Inside a recipe it behaves like a Map draft: `get` returns a draft of the value (change it
 * in place), `set` and `delete` change the collection, iteration reads. Outside a recipe it is
 * frozen and read-only. In patches and {@link JsonPatch} paths it is an object keyed by its keys
 * (`/users/u1/name`). Iteration order follows the keys' hashes, not insertion.
 *
 * Drafts from `get` are made by the store's recipes (`commit`, `tx.commit`) only: inside an
 * Immer `produce` of your own, `get` returns the frozen value, and a `produce` of your own
 * inside a store recipe must not reach into a Keyed (use the recipe's draft instead).
 *
 * @example
 * ```ts
 * const store = createStore({ users: keyed<User>() });
 * store.commit((draft) => { draft.users.set('u1', { name: 'Ada', visits: 0 }); });
 * store.commit((draft) => { draft.users.get('u1')!.visits++; });
 * ```
 */
export class Keyed<V, K extends string = string> implements Iterable<[K, V]> {
  /** Lets Immer draft a Keyed: drafting copies just the two fields below. */
  static readonly [immerable] = true;

  /** The trie. Internal: use the methods. */
  [KEYED_ROOT]: TrieNode<V> | undefined;
  /** The number of entries. Internal: use {@link Keyed.size}. */
  [KEYED_SIZE]: number;

  /** An empty collection; {@link keyed} also builds one from entries. */
  constructor() {
    this[KEYED_ROOT] = undefined;
    this[KEYED_SIZE] = 0;
  }

  /** The number of entries. */
  get size(): number {
    return this[KEYED_SIZE];
  }

  /**
   * The value stored under `key`, or `undefined`. Inside a store recipe this is a draft that
   * may be changed in place (the change is written back when the recipe returns); elsewhere it
   * is the frozen value.
   */
  get(key: K): V | undefined {
    const leaf = trieGet(this[KEYED_ROOT], key);
    if (leaf === undefined || !isDraft(this)) return leaf?.value;
    return draftOf(this, key, leaf.value, (value) => write(this, key, value));
  }

  /** Whether `key` has an entry. */
  has(key: K): boolean {
    return trieGet(this[KEYED_ROOT], key) !== undefined;
  }

  /**
   * Stores `value` under `key`. The value is deeply frozen, as anything committed is, and a
   * draft is snapshotted first.
   *
   * @throws TypeError when the collection is frozen (part of a committed state): change it
   * inside `store.commit(recipe)` instead; or when `key` is not a string.
   */
  set(key: K, value: V): this {
    assertWritable(this, 'set');
    if (typeof key !== 'string') throw new TypeError(`Keyed keys are strings, got ${typeof key}.`);
    forgetDraft(this, key);
    write(this, key, freeze(isDraft(value) ? current(value as Draft<V>) : value, true));
    return this;
  }

  /**
   * Removes the entry of `key`; returns whether there was one.
   *
   * @throws TypeError when the collection is frozen (see {@link Keyed.set}).
   */
  delete(key: K): boolean {
    assertWritable(this, 'delete');
    forgetDraft(this, key);
    const root = trieDelete(this[KEYED_ROOT], key);
    if (root === this[KEYED_ROOT]) return false;
    this[KEYED_ROOT] = root;
    this[KEYED_SIZE] = this[KEYED_SIZE] - 1;
    return true;
  }

  /** The keys, in hash order. */
  *keys(): IterableIterator<K> {
    for (const leaf of trieLeaves(this[KEYED_ROOT])) yield leaf.key as K;
  }

  /** The values (frozen, also inside a recipe: use `get` to change one), in hash order. */
  *values(): IterableIterator<V> {
    for (const leaf of trieLeaves(this[KEYED_ROOT])) yield leaf.value;
  }

  /** The `[key, value]` pairs (values frozen), in hash order. */
  *entries(): IterableIterator<[K, V]> {
    for (const leaf of trieLeaves(this[KEYED_ROOT])) yield [leaf.key as K, leaf.value];
  }

  /** Same as {@link Keyed.entries}. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /** A plain object of the entries, so that `JSON.stringify(state)` shows the collection. */
  toJSON(): Record<K, V> {
    return Object.fromEntries(this.entries()) as Record<K, V>;
  }
}

function assertWritable(target: Keyed<unknown, string>, method: string): void {
  if (!isDraft(target) && Object.isFrozen(target)) {
    throw new TypeError(
      `Keyed.${method}() was called on a committed (frozen) collection. Change it inside store.commit((draft) => ...) instead.`,
    );
  }
}

function write<V>(target: Keyed<V, string>, key: string, value: V): void {
  const grew = { value: false };
  const root = trieSet(target[KEYED_ROOT], key, value, grew);
  if (root === target[KEYED_ROOT]) return;
  target[KEYED_ROOT] = root;
  if (grew.value) target[KEYED_SIZE] = target[KEYED_SIZE] + 1;
}

/**
 * Makes a {@link Keyed} collection, empty or from entries (an iterable of `[key, value]` or a
 * plain object). Later duplicates of a key win. Values are deeply frozen. Building from entries
 * is one bottom-up pass, so a 100,000-entry collection is built in milliseconds.
 *
 * @throws TypeError when a key is not a string.
 */
export function keyed<V, K extends string = string>(
  entries?: Iterable<readonly [K, V]> | Readonly<Record<K, V>>,
): Keyed<V, K> {
  if (entries === undefined) return new Keyed<V, K>();
  const pairs: Iterable<readonly [K, V]> =
    Symbol.iterator in entries ? entries : (Object.entries(entries) as [K, V][]);
  const map = new Map<K, V>();
  for (const [key, value] of pairs) {
    if (typeof key !== 'string') throw new TypeError(`Keyed keys are strings, got ${typeof key}.`);
    map.set(key, freeze(value, true));
  }
  return keyedOf(map);
}

/**
 * Wraps distinct entries in a collection as they are, values not frozen: for values made
 * fresh by the caller, who freezes them once done with them (patch application does).
 */
export function keyedOf<V, K extends string = string>(entries: ReadonlyMap<K, V>): Keyed<V, K> {
  const collection = new Keyed<V, K>();
  collection[KEYED_ROOT] = trieBuild(entries);
  collection[KEYED_SIZE] = entries.size;
  return collection;
}

/** Tells whether `value` is a {@link Keyed} collection (or a draft of one). */
export function isKeyed(value: unknown): value is Keyed<unknown, string> {
  return value instanceof Keyed;
}
