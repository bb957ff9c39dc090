/**
 * A persistent hash array mapped trie (HAMT) from string keys to values: the structure under
 * {@link Keyed}.
 *
 * Why a HAMT written here rather than a library's (the `immutable` package's Map is one): the
 * store must produce patches in proportion to what changed, and that needs a diff of two
 * versions that skips every subtree they share. That walk needs the trie's nodes, which
 * libraries keep private; a library map can only be compared by iterating it whole. The trie
 * is small (set, delete, get, build, diff), and its nodes are class instances so that Immer
 * never drafts or walks into them.
 *
 * Shape: 32-way branches indexed by 5-bit slices of a 32-bit key hash, with a bitmap saying
 * which slots are present. A leaf sits at the shallowest level where its hash slice is unique;
 * keys whose whole hashes collide share a bucket. The form is canonical (a branch never holds a
 * single leaf or bucket alone), so two tries with the same keys have the same shape and a diff
 * of equal subtrees stops at once. Every node is frozen once built and never changed again:
 * a write copies only the path from the root to the changed leaf.
 *
 * @module
 */

const BITS = 5;
const MASK = 31;

/** One key and its value. */
export class Leaf<V> {
  constructor(
    readonly hash: number,
    readonly key: string,
    readonly value: V,
  ) {
    Object.freeze(this);
  }
}

/** Leaves whose keys have the same 32-bit hash. */
export class Bucket<V> {
  constructor(
    readonly hash: number,
    readonly leaves: readonly Leaf<V>[],
  ) {
    Object.freeze(leaves);
    Object.freeze(this);
  }
}

/** Up to 32 children; bit `i` of `bitmap` is set when slot `i` is present. */
export class Branch<V> {
  constructor(
    readonly bitmap: number,
    readonly children: readonly TrieNode<V>[],
  ) {
    Object.freeze(children);
    Object.freeze(this);
  }
}

/** Any node of the trie. An empty trie is `undefined`. */
export type TrieNode<V> = Leaf<V> | Bucket<V> | Branch<V>;

/** Hashes a key to 32 bits: FNV-1a, then a murmur3 finaliser so that the low bits (read first) mix well. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Counts set bits of a 32-bit integer (bit 31 included). */
function popcount(x: number): number {
  x -= (x >> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >> 2) & 0x33333333);
  x = (x + (x >> 4)) & 0x0f0f0f0f;
  x += x >> 8;
  x += x >> 16;
  return x & 0x7f;
}

function slot(bitmap: number, bit: number): number {
  return popcount(bitmap & (bit - 1));
}

function child<V>(node: Branch<V>, index: number): TrieNode<V> {
  return node.children[index] as TrieNode<V>;
}

/** Looks `key` up. */
export function trieGet<V>(root: TrieNode<V> | undefined, key: string): Leaf<V> | undefined {
  const hash = hashKey(key);
  let node = root;
  for (let shift = 0; node !== undefined; shift += BITS) {
    if (node instanceof Leaf) return node.key === key ? node : undefined;
    if (node instanceof Bucket) return node.leaves.find((leaf) => leaf.key === key);
    const bit = 1 << ((hash >>> shift) & MASK);
    if ((node.bitmap & bit) === 0) return undefined;
    node = child(node, slot(node.bitmap, bit));
  }
  return undefined;
}

/** Joins two nodes with different hashes under new branches, from level `shift` down. */
function join<V>(a: Leaf<V> | Bucket<V>, b: Leaf<V>, shift: number): Branch<V> {
  const fa = (a.hash >>> shift) & MASK;
  const fb = (b.hash >>> shift) & MASK;
  if (fa === fb) return new Branch(1 << fa, [join(a, b, shift + BITS)]);
  return new Branch((1 << fa) | (1 << fb), fa < fb ? [a, b] : [b, a]);
}

function withChild<V>(children: readonly TrieNode<V>[], index: number, node: TrieNode<V>): TrieNode<V>[] {
  const copy = children.slice();
  copy[index] = node;
  return copy;
}

/**
 * Returns the trie with `key` set to `value`, sharing every untouched node. Returns `node`
 * itself when the key already holds that very value. `grew` is set when the key was new.
 */
export function trieSet<V>(
  node: TrieNode<V> | undefined,
  key: string,
  value: V,
  grew: { value: boolean },
  hash = hashKey(key),
  shift = 0,
): TrieNode<V> {
  if (node === undefined) {
    grew.value = true;
    return new Leaf(hash, key, value);
  }
  if (node instanceof Leaf) {
    if (node.key === key) return node.value === value ? node : new Leaf(hash, key, value);
    grew.value = true;
    const leaf = new Leaf(hash, key, value);
    return node.hash === hash ? new Bucket(hash, [node, leaf]) : join(node, leaf, shift);
  }
  if (node instanceof Bucket) {
    const leaf = new Leaf(hash, key, value);
    if (node.hash !== hash) {
      grew.value = true;
      return join(node, leaf, shift);
    }
    const at = node.leaves.findIndex((l) => l.key === key);
    if (at === -1) {
      grew.value = true;
      return new Bucket(hash, [...node.leaves, leaf]);
    }
    if ((node.leaves[at] as Leaf<V>).value === value) return node;
    const leaves = node.leaves.slice();
    leaves[at] = leaf;
    return new Bucket(hash, leaves);
  }
  const bit = 1 << ((hash >>> shift) & MASK);
  const index = slot(node.bitmap, bit);
  if ((node.bitmap & bit) === 0) {
    grew.value = true;
    const children = node.children.slice();
    children.splice(index, 0, new Leaf(hash, key, value));
    return new Branch(node.bitmap | bit, children);
  }
  const before = child(node, index);
  const after = trieSet(before, key, value, grew, hash, shift + BITS);
  return after === before ? node : new Branch(node.bitmap, withChild(node.children, index, after));
}

/**
 * Returns the trie without `key`, sharing every untouched node, or `node` itself when the key
 * is absent. Branches left with a single leaf or bucket collapse into it (canonical form).
 */
export function trieDelete<V>(
  node: TrieNode<V> | undefined,
  key: string,
  hash = hashKey(key),
  shift = 0,
): TrieNode<V> | undefined {
  if (node === undefined) return undefined;
  if (node instanceof Leaf) return node.key === key ? undefined : node;
  if (node instanceof Bucket) {
    const leaves = node.leaves.filter((leaf) => leaf.key !== key);
    if (leaves.length === node.leaves.length) return node;
    return leaves.length === 1 ? leaves[0] : new Bucket(node.hash, leaves);
  }
  const bit = 1 << ((hash >>> shift) & MASK);
  if ((node.bitmap & bit) === 0) return node;
  const index = slot(node.bitmap, bit);
  const before = child(node, index);
  const after = trieDelete(before, key, hash, shift + BITS);
  if (after === before) return node;
  if (after === undefined) {
    if (node.children.length === 1) return undefined;
    const children = node.children.filter((_, i) => i !== index);
    const only = children[0];
    return children.length === 1 && !(only instanceof Branch) ? only : new Branch(node.bitmap & ~bit, children);
  }
  if (node.children.length === 1 && !(after instanceof Branch)) return after;
  return new Branch(node.bitmap, withChild(node.children, index, after));
}

/** Builds a trie from distinct keys in one pass, bottom up: O(n) nodes instead of n path copies. */
export function trieBuild<V>(entries: ReadonlyMap<string, V>): TrieNode<V> | undefined {
  const leaves: Leaf<V>[] = [];
  for (const [key, value] of entries) leaves.push(new Leaf(hashKey(key), key, value));
  return leaves.length === 0 ? undefined : build(leaves, 0);
}

function build<V>(leaves: readonly Leaf<V>[], shift: number): TrieNode<V> {
  const first = leaves[0] as Leaf<V>;
  if (leaves.length === 1) return first;
  if (leaves.every((leaf) => leaf.hash === first.hash)) return new Bucket(first.hash, leaves);
  const groups: Leaf<V>[][] = [];
  let bitmap = 0;
  for (const leaf of leaves) {
    const fragment = (leaf.hash >>> shift) & MASK;
    bitmap |= 1 << fragment;
    (groups[fragment] ??= []).push(leaf);
  }
  const children: TrieNode<V>[] = [];
  for (const group of groups) if (group !== undefined) children.push(build(group, shift + BITS));
  return new Branch(bitmap, children);
}

/** Calls `visit` for every leaf, depth first. */
export function trieForEach<V>(node: TrieNode<V> | undefined, visit: (leaf: Leaf<V>) => void): void {
  if (node === undefined) return;
  if (node instanceof Leaf) visit(node);
  else if (node instanceof Bucket) node.leaves.forEach(visit);
  else for (const c of node.children) trieForEach(c, visit);
}

/** Iterates every leaf, depth first, in the same order as {@link trieForEach}. */
export function* trieLeaves<V>(node: TrieNode<V> | undefined): Generator<Leaf<V>, void, undefined> {
  if (node === undefined) return;
  if (node instanceof Leaf) yield node;
  else if (node instanceof Bucket) yield* node.leaves;
  else for (const c of node.children) yield* trieLeaves(c);
}

/** What {@link trieDiff} reports. */
export interface TrieDiffVisitor<V> {
  added(key: string, value: V): void;
  removed(key: string, value: V): void;
  changed(key: string, before: V, after: V): void;
}

/**
 * Reports how trie `b` differs from trie `a`. Shared subtrees are skipped by identity, so the
 * cost follows the number of changed keys times the depth, not the size of the tries.
 */
export function trieDiff<V>(
  a: TrieNode<V> | undefined,
  b: TrieNode<V> | undefined,
  visit: TrieDiffVisitor<V>,
): void {
  if (a === b) return;
  if (a instanceof Branch && b instanceof Branch) {
    let bits = a.bitmap | b.bitmap;
    while (bits !== 0) {
      const bit = bits & -bits;
      bits ^= bit;
      const ca = (a.bitmap & bit) === 0 ? undefined : child(a, slot(a.bitmap, bit));
      const cb = (b.bitmap & bit) === 0 ? undefined : child(b, slot(b.bitmap, bit));
      trieDiff(ca, cb, visit);
    }
    return;
  }
  // Different shapes at one level: only the keys under this slot can differ, and they are few
  // (a lone leaf or bucket on one side), so comparing them as key sets stays O(changes).
  const before = new Map<string, V>();
  trieForEach(a, (leaf) => before.set(leaf.key, leaf.value));
  trieForEach(b, (leaf) => {
    if (!before.has(leaf.key)) return visit.added(leaf.key, leaf.value);
    const old = before.get(leaf.key) as V;
    before.delete(leaf.key);
    if (old !== leaf.value) visit.changed(leaf.key, old, leaf.value);
  });
  for (const [key, value] of before) visit.removed(key, value);
}
