/**
 * Merging a transaction into commits made while it ran.
 *
 * A transaction works on a private copy of the state it began from. If the store moved on
 * meanwhile (plain commits are never blocked by a transaction), the transaction's changes are
 * replayed onto the newest state, provided the two sides touched disjoint parts of the state.
 * An array or Set counts as one part: index-based operations from two sides cannot be combined
 * safely. Overlap is a conflict, and the transaction commits nothing.
 *
 * @module
 */
import { applyPatch } from './apply-patch.js';
import { diffStates } from './diff.js';
import type { JsonPatch } from './json-patch.js';
import { escapeToken, parsePointer } from './json-pointer.js';
import type { Keyed } from './keyed.js';
import { kindOf } from './state-value.js';

/** The outcome of {@link mergeTransaction}: the state to commit, or the paths in conflict. */
export type MergeResult<S> = { readonly state: S } | { readonly conflicts: readonly string[] };

/**
 * Replays the changes from `base` to `staged` onto `newest`, unless they overlap the changes
 * from `base` to `newest`.
 *
 * @throws {@link InvalidArgumentError} when `staged` holds a value a store cannot hold.
 */
export function mergeTransaction<S>(base: S, staged: S, newest: S): MergeResult<S> {
  const ours = diffStates(base, staged);
  if (ours.length === 0) return { state: newest };
  const conflicts = overlapping(base, ours, diffStates(base, newest));
  return conflicts.length > 0 ? { conflicts } : { state: applyPatch(newest, ours, 'transaction') };
}

/** Our locked paths that equal, contain or lie inside one of theirs. */
function overlapping(base: unknown, ours: JsonPatch, theirs: JsonPatch): string[] {
  const locked = new Set<string>();
  const enclosing = new Set<string>();
  for (const op of theirs) {
    const lock = lockOf(base, op.path);
    locked.add(lock.at(-1) as string);
    for (const prefix of lock.slice(0, -1)) enclosing.add(prefix);
  }
  const conflicts = new Set<string>();
  for (const op of ours) {
    const lock = lockOf(base, op.path);
    const full = lock.at(-1) as string;
    if (enclosing.has(full) || lock.some((prefix) => locked.has(prefix))) conflicts.add(full);
  }
  return [...conflicts];
}

/**
 * The pointer an operation locks, with all its ancestors: `['', '/users', '/users/u1']`. The
 * lock stops at the first array or Set on the way, which is locked whole.
 */
function lockOf(base: unknown, path: string): string[] {
  const prefixes = [''];
  let node: unknown = base;
  let pointer = '';
  for (const token of parsePointer(path) as string[]) {
    const kind = kindOf(node);
    if (kind === 'array' || kind === 'set') break;
    pointer = `${pointer}/${escapeToken(token)}`;
    prefixes.push(pointer);
    if (kind === 'object') node = Object.hasOwn(node as object, token) ? (node as Record<string, unknown>)[token] : undefined;
    else if (kind === 'map' || kind === 'keyed') node = (node as Map<string, unknown> | Keyed<unknown>).get(token);
    else node = undefined;
  }
  return prefixes;
}
