/**
 * The store's Immer: one private instance, plus the "draft session" that lets a
 * {@link Keyed} collection hand out drafts of its values inside a recipe.
 *
 * Immer drafts plain objects, arrays, Maps and Sets, and class instances marked `immerable`
 * (which {@link Keyed} is, so a recipe can call `draft.users.set(...)`). But a value stored
 * inside the trie is out of Immer's reach: Immer cannot see where it lives. So when a recipe
 * reads `draft.users.get(id)`, the collection creates a separate draft of that value with
 * `createDraft` and records it in the current session; when the recipe returns, the session
 * finishes those drafts, last first (a draft of a collection nested in a value is finished
 * before the value's own draft), and writes each changed value back into its collection, while
 * the outer draft is still open.
 *
 * @module
 */
import { Immer, enableMapSet, freeze, isDraftable, type Draft } from 'immer';

/** Auto-freeze on: every state the store hands out is deeply frozen. */
const immer = new Immer({ autoFreeze: true });
let mapSetEnabled = false;

interface PendingDraft {
  readonly base: unknown;
  readonly draft: Draft<object>;
  readonly writeBack: (value: unknown) => void;
  live: boolean;
}

interface Session {
  readonly pending: PendingDraft[];
  readonly byOwner: Map<object, Map<string, PendingDraft>>;
}

/** Sessions of the produce calls in progress, innermost last (recipes run synchronously). */
const sessions: Session[] = [];

/**
 * Runs an Immer recipe on `base` with a draft session open, and returns the new state
 * (`base` itself when nothing changed). Map and Set drafts are enabled here, on first use,
 * rather than when the module loads, so that importing `rewind/state` changes nothing global.
 */
export function produceState<S>(base: S, recipe: (draft: Draft<S>) => unknown): S {
  if (!mapSetEnabled) {
    enableMapSet();
    mapSetEnabled = true;
  }
  return immer.produce<S>(base, (draft: Draft<S>) => {
    const session: Session = { pending: [], byOwner: new Map() };
    sessions.push(session);
    try {
      const result = recipe(draft);
      finish(session);
      return result as Draft<S>;
    } finally {
      sessions.pop();
    }
  });
}

function finish(session: Session): void {
  for (let i = session.pending.length - 1; i >= 0; i--) {
    const entry = session.pending[i] as PendingDraft;
    if (!entry.live) continue;
    entry.live = false;
    const next: unknown = immer.finishDraft(entry.draft);
    // A draft finished inside another produce call is not auto-frozen by Immer (only the
    // outermost scope freezes), so freeze what changed here.
    if (next !== entry.base) entry.writeBack(freeze(next, true));
  }
}

/**
 * Returns a draft of `value`, stored under `key` in the collection draft `owner`, that is
 * written back when the recipe returns; or `value` itself when no store recipe is running or
 * the value cannot be drafted. Asking twice for one key returns the same draft.
 */
export function draftOf<V>(owner: object, key: string, value: V, writeBack: (value: V) => void): V {
  const session = sessions.at(-1);
  if (session === undefined || !isDraftable(value)) return value;
  let drafts = session.byOwner.get(owner);
  const known = drafts?.get(key);
  if (known?.live === true) return known.draft as V;
  if (drafts === undefined) session.byOwner.set(owner, (drafts = new Map<string, PendingDraft>()));
  const entry: PendingDraft = {
    base: value,
    draft: immer.createDraft(value as object),
    writeBack: writeBack as (value: unknown) => void,
    live: true,
  };
  drafts.set(key, entry);
  session.pending.push(entry);
  return entry.draft as V;
}

/** Drops the pending draft of `key` in `owner`: an explicit set or delete of the key wins. */
export function forgetDraft(owner: object, key: string): void {
  const session = sessions.at(-1);
  const entry = session?.byOwner.get(owner)?.get(key);
  if (entry !== undefined) entry.live = false;
}
