import { AsyncLocalStorage } from 'node:async_hooks';
import { freeze } from 'immer';
import { InvalidArgumentError } from '../errors.js';
import { toEpochMillis } from '../internal/duration.js';
import { EventSource, type Disposable } from '../internal/event.js';
import { applyPatch } from './apply-patch.js';
import { diffStates } from './diff.js';
import {
  StateConflictError,
  StateMisuseError,
  StateRecipeFailedError,
  StateVersionNotFoundError,
} from './errors.js';
import { assertJsonPatch, type JsonPatch, type JsonPatchOperation } from './json-patch.js';
import { mergeTransaction } from './merge.js';
import { resolveStoreOptions, type ResolvedStoreOptions, type StoreOptions } from './options.js';
import { encodeValue } from './patch-value.js';
import { produceState } from './produce.js';
import { freezeDeep } from './state-value.js';
import type {
  CommitRecord,
  Recipe,
  StateChange,
  StateChangeKind,
  Transaction,
  VersionInfo,
} from './types.js';
import { VersionLog, type Snapshot } from './version-log.js';

/**
 * A versioned, immutable state: every change makes a new numbered, timestamped version, and
 * the last `keep` versions stay readable, sharing structure with each other.
 *
 * Semantics, by scenario:
 * - `commit(recipe)` runs an Immer recipe on the current state. If it returns, the result is
 *   the next version, at once (synchronously). If it throws, nothing changes and the error comes
 *   back wrapped in a {@link StateRecipeFailedError}. A recipe that changes nothing makes no
 *   version.
 * - `transaction(fn)` lets `fn` commit several times across awaits on a staged state nobody
 *   else sees. When `fn` returns, everything it staged becomes one version; when it throws,
 *   nothing does and its error is rethrown as is: subscribers never see a transaction's partial
 *   state, nor a rollback. Transactions of one store run one after another. Plain commits are
 *   not blocked while one runs; the transaction is merged onto them if they changed other parts
 *   of the state, and fails with {@link StateConflictError} if they changed the same parts.
 * - `rollback(v)` makes a new version whose state is version `v`'s: history is kept, as
 *   `git revert` keeps it.
 * - Subscribers get a {@link StateChange} per version, in version order, with the version's
 *   JSON patches: the hook for persistence (see {@link VersionedStore.replay}).
 */
export class VersionedStore<S> {
  readonly #options: ResolvedStoreOptions;
  readonly #log: VersionLog<S>;
  readonly #changes = new EventSource<StateChange<S>>();
  readonly #undelivered: StateChange<S>[] = [];
  #emitting = false;
  #inRecipe = false;
  #transactions: Promise<void> = Promise.resolve();
  #queued = 0;
  /** Marks the async context of a running transaction's function (`open` until it returns). */
  readonly #inTransaction = new AsyncLocalStorage<{ open: boolean }>();

  /** Use {@link createStore}, which checks and freezes the initial state. */
  constructor(initial: S, options: ResolvedStoreOptions) {
    this.#options = options;
    const origin = options.origin ?? { version: 0, atMs: options.now() };
    this.#log = new VersionLog(options.keep, { version: origin.version, atMs: origin.atMs, state: initial });
  }

  /** The current version's number and timestamp. */
  get version(): VersionInfo {
    return info(this.#log.newest);
  }

  /** The current state, deeply frozen. */
  get(): S {
    return this.#log.newest.state;
  }

  /**
   * The state of a retained version.
   *
   * @throws {@link InvalidArgumentError} when `version` is not an integer >= 0.
   * @throws {@link StateVersionNotFoundError} when the version is not retained or does not exist yet.
   */
  at(version: number): S {
    return this.#find(version, 'version').state;
  }

  /**
   * The state that was current at `date`: the newest version made at or before it.
   *
   * @throws {@link InvalidArgumentError} when `date` is not a valid Date.
   * @throws {@link StateVersionNotFoundError} when `date` is before the oldest retained version.
   */
  asOf(date: Date): S {
    const atMs = toEpochMillis(date, 'date');
    const found = this.#log.byTime(atMs);
    if (found === undefined) throw this.#notFound(new Date(atMs));
    return found.state;
  }

  /** The retained versions, oldest first. */
  versions(): VersionInfo[] {
    return this.#log.list().map(info);
  }

  /**
   * Applies `recipe` to the current state and makes the result the next version.
   *
   * @returns the new version, or the current one when the recipe changed nothing.
   * @throws {@link StateRecipeFailedError} when the recipe throws (its error is the `cause`).
   * @throws {@link InvalidArgumentError} when `recipe` is not a function, or the recipe left a
   * value a store cannot hold (the message names where, e.g. `state/users/u1/born`).
   * @throws {@link StateMisuseError} when called from inside one of this store's recipes, or
   * inside a running transaction's function (use `tx.commit` there).
   */
  commit(recipe: Recipe<S>): VersionInfo {
    assertFunction(recipe, 'recipe');
    this.#refuseReentry('store.commit');
    const newest = this.#log.newest;
    return this.#publish(this.#run(newest.state, recipe, 'store.commit', newest.version), 'commit');
  }

  /**
   * Runs `fn` as one all-or-nothing change: its `tx.commit` calls (across awaits) become one
   * version when it returns, and nothing when it throws (its error is rethrown unchanged).
   * Transactions of this store run one at a time, in call order: `fn` starts at once when no
   * other transaction is running, otherwise when the ones before it have ended.
   *
   * @returns the new version, or the current one when the transaction changed nothing.
   * @throws {@link StateConflictError} when commits made while it ran changed the same parts.
   * @throws {@link InvalidArgumentError} when `fn` is not a function, or the staged state holds
   * a value a store cannot hold.
   * @throws {@link StateMisuseError} when called inside a running transaction of this store.
   */
  async transaction(fn: (tx: Transaction<S>) => void | Promise<void>): Promise<VersionInfo> {
    assertFunction(fn, 'fn');
    if (this.#inTransaction.getStore()?.open === true) {
      throw new StateMisuseError({
        call: 'store.transaction',
        reason: 'it was called inside a transaction of the same store, which would wait for itself forever; commit through the tx handle instead',
      });
    }
    // Start at once when the queue is empty, so that the transaction's base is the state at
    // the call, not whatever a microtask later brings.
    this.#queued++;
    const turn = this.#queued === 1 ? this.#transact(fn) : this.#transactions.then(() => this.#transact(fn));
    const settled = (): void => {
      this.#queued--;
    };
    this.#transactions = turn.then(settled, settled);
    return turn;
  }

  async #transact(fn: (tx: Transaction<S>) => void | Promise<void>): Promise<VersionInfo> {
    const base = this.#log.newest;
    let staged = base.state;
    const context = { open: true };
    const tx: Transaction<S> = {
      get: () => staged,
      commit: (recipe) => {
        if (!context.open) throw new StateMisuseError({ call: 'tx.commit', reason: 'its transaction has ended; start a new store.transaction' });
        assertFunction(recipe, 'recipe');
        this.#refuseReentry('tx.commit', true);
        staged = this.#run(staged, recipe, 'tx.commit', base.version);
      },
    };
    try {
      await this.#inTransaction.run(context, () => fn(tx));
    } finally {
      context.open = false;
    }
    const newest = this.#log.newest;
    if (newest === base) return this.#publish(staged, 'transaction');
    const merged = mergeTransaction(base.state, staged, newest.state);
    if ('conflicts' in merged) {
      throw new StateConflictError({ baseVersion: base.version, newestVersion: newest.version, paths: merged.conflicts });
    }
    return this.#publish(merged.state, 'transaction');
  }

  /**
   * Makes a new version whose state is that of `version` (the very same object: nothing is
   * copied). Versions in between stay in the history.
   *
   * @returns the new version, or the current one when its state already equals `version`'s.
   * @throws {@link InvalidArgumentError} when `version` is not an integer >= 0.
   * @throws {@link StateVersionNotFoundError} when the version is not retained.
   * @throws {@link StateMisuseError} when called from inside one of this store's recipes, or
   * inside a running transaction's function (use `tx.commit` there).
   */
  rollback(version: number): VersionInfo {
    const target = this.#find(version, 'version');
    this.#refuseReentry('store.rollback');
    return this.#publish(target.state, 'rollback');
  }

  /**
   * The JSON Patch that turns version `from`'s state into version `to`'s (either may be the
   * older). Its size follows what differs: an insertion into an array is one `add`, not a
   * `replace` per shifted element.
   *
   * @throws {@link InvalidArgumentError} when a version is not an integer >= 0.
   * @throws {@link StateVersionNotFoundError} when a version is not retained.
   */
  diff(from: number, to: number): JsonPatch {
    const before = this.#find(from, 'from');
    const after = this.#find(to, 'to');
    return freezePatch(diffStates(before.state, after.state));
  }

  /**
   * Applies a JSON Patch (from {@link VersionedStore.diff}, or a change's `inversePatches` to
   * undo it) to the current state, as a new version. All of it applies, or none.
   *
   * @returns the new version, or the current one when the patch changed nothing.
   * @throws {@link InvalidArgumentError} when `patches` is not a JSON Patch of add, remove and
   * replace operations, or a value in it cannot be held by a store.
   * @throws {@link StatePatchError} when an operation does not fit the current state.
   * @throws {@link StateMisuseError} when called from inside one of this store's recipes, or
   * inside a running transaction's function (use `tx.commit` there).
   */
  applyPatches(patches: JsonPatch): VersionInfo {
    assertJsonPatch(patches, 'patches');
    this.#refuseReentry('store.applyPatches');
    return this.#publish(applyPatch(this.#log.newest.state, patches, 'patches'), 'patch');
  }

  /**
   * Re-applies a persisted change (see {@link StateChange}) as the next version, with its
   * original number and timestamp. Used to rebuild a store from a journal: create it with the
   * journal's initial state (and `origin`), then replay each record in order. Subscribers see
   * these changes with kind `replay`.
   *
   * @example
   * ```ts
   * const store = createStore(initial, { origin: header.origin });
   * for (const record of journal) store.replay(record);
   * store.subscribe((change) => { if (change.kind !== 'replay') journal.append(change); });
   * ```
   * @throws {@link InvalidArgumentError} when `record.version` is not the next version number,
   * `record.at` is not a time, or `record.patches` is not a JSON Patch.
   * @throws {@link StatePatchError} when the patches do not fit the current state (the journal
   * and the store have diverged).
   * @throws {@link StateMisuseError} when called from inside one of this store's recipes, or
   * inside a running transaction's function (use `tx.commit` there).
   */
  replay(record: CommitRecord): VersionInfo {
    if (typeof record !== 'object' || record === null) {
      throw new InvalidArgumentError({ path: 'record', expected: 'a record { version, at, patches }', got: record });
    }
    const next = this.#log.newest.version + 1;
    if (record.version !== next) {
      throw new InvalidArgumentError({ path: 'record.version', expected: `${next}, the version after this store's newest`, got: record.version });
    }
    const atMs = toEpochMillis(record.at, 'record.at');
    assertJsonPatch(record.patches, 'record.patches');
    this.#refuseReentry('store.replay');
    return this.#publish(applyPatch(this.#log.newest.state, record.patches, 'record.patches'), 'replay', atMs);
  }

  /**
   * Calls `listener` with every new version, in version order, after the store has moved to
   * it. A listener may commit; its change is announced after the current one reaches every
   * listener. A listener that throws does not stop the others (its error is rethrown later).
   *
   * @returns a handle whose `dispose()` (or `using`) unsubscribes.
   * @throws {@link InvalidArgumentError} when `listener` is not a function.
   */
  subscribe(listener: (change: StateChange<S>) => void): Disposable {
    assertFunction(listener, 'listener');
    return this.#changes.subscribe(listener);
  }

  #run(base: S, recipe: Recipe<S>, call: string, version: number): S {
    this.#inRecipe = true;
    try {
      return produceState(base, recipe);
    } catch (cause) {
      throw new StateRecipeFailedError({ call, version, cause });
    } finally {
      this.#inRecipe = false;
    }
  }

  /**
   * Makes `next` the next version, unless it equals the current state. A replayed record always
   * makes its version, so that version numbers stay those of the journal.
   */
  #publish(next: S, kind: StateChangeKind, atMs?: number): VersionInfo {
    const newest = this.#log.newest;
    const patches = next === newest.state ? [] : diffStates(newest.state, next);
    if (patches.length === 0 && kind !== 'replay') return info(newest);
    // Equal content in new objects keeps the old objects: more sharing, same state.
    const state = patches.length === 0 ? newest.state : next;
    const inversePatches = patches.length === 0 ? [] : diffStates(state, newest.state);
    const snapshot: Snapshot<S> = {
      version: newest.version + 1,
      atMs: Math.max(atMs ?? this.#options.now(), newest.atMs),
      state,
    };
    this.#log.push(snapshot);
    const version = info(snapshot);
    this.#emit({ ...version, kind, patches: freezePatch(patches), inversePatches: freezePatch(inversePatches), state });
    return version;
  }

  /** Delivers changes in version order even when a listener commits while being told of one. */
  #emit(change: StateChange<S>): void {
    this.#undelivered.push(change);
    if (this.#emitting) return;
    this.#emitting = true;
    try {
      for (let next = this.#undelivered.shift(); next !== undefined; next = this.#undelivered.shift()) {
        this.#changes.emit(next);
      }
    } finally {
      this.#emitting = false;
    }
  }

  #find(version: number, path: string): Snapshot<S> {
    if (!Number.isSafeInteger(version) || version < 0) {
      throw new InvalidArgumentError({ path, expected: 'a version number (an integer >= 0)', got: version });
    }
    const found = this.#log.byVersion(version);
    if (found === undefined) throw this.#notFound(version);
    return found;
  }

  #notFound(requested: number | Date): StateVersionNotFoundError {
    const oldest = this.#log.oldest;
    return new StateVersionNotFoundError({
      requested,
      oldest: oldest.version,
      oldestAt: new Date(oldest.atMs),
      newest: this.#log.newest.version,
      keep: this.#options.keep,
    });
  }

  /**
   * Refuses a change from inside one of this store's recipes (the recipe's result would
   * overwrite it) and, except through the transaction's own handle, from inside a running
   * transaction's function (it would escape the all-or-nothing it is written in).
   */
  #refuseReentry(call: string, viaTransaction = false): void {
    if (this.#inRecipe) {
      throw new StateMisuseError({
        call,
        reason: 'it was called from inside a recipe of the same store, whose result would overwrite it; make the change in that recipe instead',
      });
    }
    if (!viaTransaction && this.#inTransaction.getStore()?.open === true) {
      throw new StateMisuseError({
        call,
        reason: 'it was called inside a running transaction of the same store, where it would not be part of the transaction; use tx.commit instead',
      });
    }
  }

}

/**
 * Creates a {@link VersionedStore} holding `initial` as its first version.
 *
 * The state may hold JSON values, Maps with string keys, Sets of primitives and {@link Keyed}
 * collections (use `keyed()` for any large keyed collection: see {@link Keyed}). `initial` is
 * checked whole and frozen in place, not copied.
 *
 * @example
 * ```ts
 * const store = createStore({ users: keyed<User>(), settings: { theme: 'dark' } }, { keep: 50 });
 * const { version } = store.commit((draft) => { draft.settings.theme = 'light'; });
 * store.diff(version - 1, version); // [{ op: 'replace', path: '/settings/theme', value: 'light' }]
 * ```
 * @throws {@link InvalidArgumentError} when an option is invalid (`keep` not a positive integer,
 * an unknown option, ...) or `initial` holds a value a store cannot hold (the message names where).
 */
export function createStore<S>(initial: S, options?: StoreOptions): VersionedStore<S> {
  const resolved = resolveStoreOptions(options);
  encodeValue(initial, 'initial');
  freezeDeep(initial);
  return new VersionedStore(initial, resolved);
}

function info(snapshot: Snapshot<unknown>): VersionInfo {
  return { version: snapshot.version, at: new Date(snapshot.atMs) };
}

function freezePatch(patch: JsonPatchOperation[]): JsonPatch {
  return freeze(patch, true);
}

function assertFunction(value: unknown, path: string): void {
  if (typeof value !== 'function') throw new InvalidArgumentError({ path, expected: 'a function', got: value });
}
