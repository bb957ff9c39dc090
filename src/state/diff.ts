/**
 * The structural diff between two states, as a {@link JsonPatch}.
 *
 * It walks only where the two states differ: a subtree that is the same object in both (which
 * Immer and {@link Keyed} guarantee for everything a change did not touch) is skipped at once,
 * and a Keyed collection is compared through its trie. The patch therefore grows with what
 * changed, and so does the time to make it, except for the members of a changed plain object
 * or array, which are compared one by one (by identity, so cheaply).
 *
 * @module
 */
import { arrayHunks } from './array-diff.js';
import { trieDiff } from './hamt.js';
import type { JsonPatchOperation } from './json-patch.js';
import { childPointer } from './json-pointer.js';
import { KEYED_ROOT, type Keyed } from './keyed.js';
import { assertKey, assertSetMember, encodeValue } from './patch-value.js';
import { kindOf } from './state-value.js';

/**
 * The operations that turn state `before` into state `after`. `before` must be a state the
 * store already holds; `after` is checked as it is encoded.
 *
 * @throws {@link InvalidArgumentError} when `after` holds a value a store cannot hold, naming
 * where (`state/users/u1/born`).
 */
export function diffStates(before: unknown, after: unknown): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  diffAt(before, after, '', ops);
  return ops;
}

function setTo(op: 'add' | 'replace', path: string, value: unknown): JsonPatchOperation {
  const encoded = encodeValue(value, `state${path}`);
  return encoded.containers === undefined
    ? { op, path, value: encoded.value }
    : { op, path, value: encoded.value, containers: encoded.containers };
}

function diffAt(a: unknown, b: unknown, path: string, ops: JsonPatchOperation[]): void {
  if (a === b) return;
  const kind = kindOf(a);
  if (kind === 'primitive' || kind === undefined || kind !== kindOf(b)) {
    ops.push(setTo('replace', path, b));
    return;
  }
  switch (kind) {
    case 'object':
      diffMembers(objectMembers(a as object), objectMembers(b as object), path, ops);
      return;
    case 'map':
      diffMembers(a as Map<string, unknown>, b as Map<string, unknown>, path, ops);
      return;
    case 'keyed':
      trieDiff((a as Keyed<unknown>)[KEYED_ROOT], (b as Keyed<unknown>)[KEYED_ROOT], {
        added: (key, value) => ops.push(setTo('add', childPointer(path, checked(key, path)), value)),
        removed: (key) => ops.push({ op: 'remove', path: childPointer(path, key) }),
        changed: (key, before, after) => diffAt(before, after, childPointer(path, key), ops),
      });
      return;
    case 'set':
      diffSets(a as Set<unknown>, b as Set<unknown>, path, ops);
      return;
    case 'array':
      diffArrays(a as unknown[], b as unknown[], path, ops);
      return;
  }
}

function checked(key: unknown, path: string): string {
  assertKey(key, `state${path}`);
  return key;
}

/** The members of a plain object or a Map, read alike. */
interface Members {
  keys(): Iterable<unknown>;
  has(key: string): boolean;
  get(key: string): unknown;
}

function objectMembers(object: object): Members {
  const record = object as Record<string, unknown>;
  return { keys: () => Object.keys(record), has: (key) => Object.hasOwn(record, key), get: (key) => record[key] };
}

/** Members of `a` missing from `b` are removed, the others compared, then `b`'s new members added. */
function diffMembers(a: Members, b: Members, path: string, ops: JsonPatchOperation[]): void {
  for (const key of a.keys() as Iterable<string>) {
    const child = childPointer(path, key);
    if (b.has(key)) diffAt(a.get(key), b.get(key), child, ops);
    else ops.push({ op: 'remove', path: child });
  }
  for (const key of b.keys()) {
    if (typeof key === 'string' && a.has(key)) continue;
    ops.push(setTo('add', childPointer(path, checked(key, path)), b.get(key as string)));
  }
}

/**
 * Sets are written as arrays in iteration order: removed members go by index, highest first
 * (so no removal shifts another), then new members are appended with `-`.
 */
function diffSets(a: Set<unknown>, b: Set<unknown>, path: string, ops: JsonPatchOperation[]): void {
  const gone: number[] = [];
  let index = 0;
  for (const member of a) {
    if (!b.has(member)) gone.push(index);
    index++;
  }
  for (let i = gone.length - 1; i >= 0; i--) ops.push({ op: 'remove', path: childPointer(path, gone[i] as number) });
  for (const member of b) {
    if (a.has(member)) continue;
    assertSetMember(member, `state${path}`);
    ops.push(setTo('add', `${path}/-`, member));
  }
}

/**
 * Each hunk is applied where the array already matches the new one up to it: paired elements
 * are diffed in place, surplus old ones removed (highest index first), new ones inserted.
 */
function diffArrays(a: unknown[], b: unknown[], path: string, ops: JsonPatchOperation[]): void {
  for (const hunk of arrayHunks(a, b)) {
    const removed = hunk.oldEnd - hunk.oldStart;
    const added = hunk.newEnd - hunk.newStart;
    const paired = Math.min(removed, added);
    for (let i = 0; i < paired; i++) {
      diffAt(a[hunk.oldStart + i], b[hunk.newStart + i], childPointer(path, hunk.newStart + i), ops);
    }
    for (let i = removed - 1; i >= paired; i--) ops.push({ op: 'remove', path: childPointer(path, hunk.newStart + i) });
    for (let i = paired; i < added; i++) {
      ops.push(setTo('add', childPointer(path, hunk.newStart + i), b[hunk.newStart + i]));
    }
  }
}
