import { Branch, Bucket, type TrieNode } from '../../src/state/hamt.js';
import { Keyed, KEYED_ROOT } from '../../src/state/keyed.js';

/** A seeded PRNG (mulberry32), so that property tests replay the same cases. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A state as comparable plain data: Maps, Sets and Keyed tagged, Set members sorted (a Set's
 * order is not part of its value), so that `toEqual` compares contents and container kinds.
 */
export function canonical(value: unknown): unknown {
  if (value instanceof Keyed) return { keyed: Object.fromEntries([...value].map(([k, v]) => [k, canonical(v)])) };
  if (value instanceof Map) return { map: Object.fromEntries([...value].map(([k, v]) => [k, canonical(v)])) };
  if (value instanceof Set) return { set: [...value].map((m) => JSON.stringify(m)).sort() };
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

/** Every trie node of a Keyed collection. */
export function trieNodes(collection: Keyed<unknown>): Set<TrieNode<unknown>> {
  const nodes = new Set<TrieNode<unknown>>();
  const visit = (node: TrieNode<unknown> | undefined): void => {
    if (node === undefined) return;
    nodes.add(node);
    if (node instanceof Branch) node.children.forEach(visit);
    if (node instanceof Bucket) node.leaves.forEach(visit);
  };
  visit(collection[KEYED_ROOT]);
  return nodes;
}
