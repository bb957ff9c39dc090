import type { Draft } from 'immer';
import type { JsonPatch } from './json-patch.js';

/** A version of a store: its number (0 for the initial state, then 1, 2, ...) and when it was made. */
export interface VersionInfo {
  readonly version: number;
  readonly at: Date;
}

/**
 * What made a version:
 * - `commit`: `store.commit(recipe)`;
 * - `transaction`: a `store.transaction(fn)` that finished;
 * - `rollback`: `store.rollback(version)`;
 * - `patch`: `store.applyPatches(patches)`;
 * - `replay`: `store.replay(record)`, rebuilding a store from a journal. A journal that
 *   appends changes should skip these: they are already in it.
 */
export const STATE_CHANGE_KINDS = ['commit', 'transaction', 'rollback', 'patch', 'replay'] as const;

/** One of {@link STATE_CHANGE_KINDS}. */
export type StateChangeKind = (typeof STATE_CHANGE_KINDS)[number];

/**
 * One new version, as subscribers see it: the persistence contract of `rewind/state`.
 *
 * `patches` turns the previous version's state into this one; `inversePatches` turns this one
 * back into the previous one. Both are RFC 6902 JSON Patches, JSON-serialisable as they are,
 * with Maps, Sets and {@link Keyed} collections described by each operation's `containers`.
 * To persist a store, append `{ version, at, patches }` of every change whose kind is not
 * `replay`; to rebuild it, create a store with the same initial state and pass each record, in
 * order, to `store.replay(record)`.
 */
export interface StateChange<S> extends VersionInfo {
  readonly kind: StateChangeKind;
  readonly patches: JsonPatch;
  readonly inversePatches: JsonPatch;
  /** The new state (the same object `store.get()` returns for this version). */
  readonly state: S;
}

/**
 * A persisted change, as `store.replay` takes it back: a {@link StateChange} without its
 * inverse and state. `at` may be a `Date` or epoch milliseconds (what a journal stores).
 */
export interface CommitRecord {
  readonly version: number;
  readonly at: Date | number;
  readonly patches: JsonPatch;
}

/**
 * A function that changes a draft of the state in place (Immer style), or returns a whole new
 * state instead. Plain objects, arrays, Maps and Sets in the draft are Immer drafts; a
 * {@link Keyed} collection is changed through its methods.
 */
export type Recipe<S> = (draft: Draft<S>) => S | Draft<S> | void;

/**
 * The handle a transaction's function receives. Its commits build up a staged state that no
 * one else sees until the transaction's function returns.
 */
export interface Transaction<S> {
  /** The staged state: the store's state when the transaction began, with this transaction's commits. */
  get(): S;
  /**
   * Applies `recipe` to the staged state.
   *
   * @throws {@link StateRecipeFailedError} when the recipe throws; the staged state is unchanged.
   * @throws {@link StateMisuseError} when the transaction has ended.
   */
  commit(recipe: Recipe<S>): void;
}
