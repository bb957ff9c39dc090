/**
 * `rewind/state`: versioned immutable state. Every change is a numbered, timestamped version
 * made by an Immer-style recipe; the last versions stay readable (`at`, `asOf`), comparable as
 * RFC 6902 JSON Patches (`diff`) and restorable (`rollback`), sharing structure so that each
 * costs what changed. Large keyed collections go in a {@link Keyed} (`keyed()`), a persistent
 * hash trie, so that changing one entry of 100,000 copies a few small nodes, not the collection.
 *
 * @example
 * ```ts
 * import { createStore, keyed } from 'rewind/state';
 *
 * const store = createStore({ users: keyed<{ name: string }>(), count: 0 }, { keep: 100 });
 * const v1 = store.commit((draft) => { draft.users.set('u1', { name: 'Ada' }); draft.count++; });
 * store.subscribe(({ version, patches }) => journal.append({ version, patches }));
 * store.rollback(0); // a new version equal to the initial state
 * ```
 *
 * @module
 */

/** The store. */
export { createStore } from './versioned-store.js';
export type { VersionedStore } from './versioned-store.js';
export type { StoreOptions } from './options.js';
export { STATE_CHANGE_KINDS } from './types.js';
export type {
  CommitRecord,
  Recipe,
  StateChange,
  StateChangeKind,
  Transaction,
  VersionInfo,
} from './types.js';
export type { Draft } from 'immer';
export type { Disposable } from '../internal/event.js';

/** Persistent keyed collections for large state. */
export { Keyed, keyed } from './keyed.js';

/** JSON Patch, as diffs and changes carry it. */
export { CONTAINER_KINDS } from './json-patch.js';
export type {
  ContainerKind,
  ContainerKinds,
  JsonPatch,
  JsonPatchAdd,
  JsonPatchOperation,
  JsonPatchRemove,
  JsonPatchReplace,
} from './json-patch.js';
export type { JsonValue } from '../internal/json.js';

/** Errors. */
export {
  StateConflictError,
  StateMisuseError,
  StatePatchError,
  StateRecipeFailedError,
  StateVersionNotFoundError,
} from './errors.js';
export type {
  StateConflictDetails,
  StateMisuseDetails,
  StatePatchDetails,
  StateRecipeFailedDetails,
  StateVersionNotFoundDetails,
} from './errors.js';
