import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, isRewindError } from '../../src/errors.js';
import {
  createStore,
  keyed,
  StateMisuseError,
  StateRecipeFailedError,
  StateVersionNotFoundError,
  type StateChange,
} from '../../src/state/index.js';

interface Todo {
  title: string;
  done: boolean;
}

interface State {
  todos: Todo[];
  settings: { theme: string; size?: number };
  count: number;
}

function initial(): State {
  return { todos: [{ title: 'write', done: false }], settings: { theme: 'dark' }, count: 0 };
}

/** A clock the test moves by hand. */
function clock(start = Date.UTC(2025, 0, 1)): { now: () => Date; advance: (ms: number) => void; set: (ms: number) => void } {
  let ms = start;
  return { now: () => new Date(ms), advance: (step) => void (ms += step), set: (at) => void (ms = at) };
}

describe('createStore', () => {
  it('get returns the initial state, deeply frozen, as version 0', () => {
    const time = clock();
    const state = initial();
    const store = createStore(state, { now: time.now });
    expect(store.get()).toBe(state);
    expect(Object.isFrozen(state)).toBe(true);
    expect(Object.isFrozen(state.todos[0])).toBe(true);
    expect(Object.isFrozen(state.settings)).toBe(true);
    expect(store.version).toEqual({ version: 0, at: time.now() });
  });

  it('refuses bad options with InvalidArgumentError before a store exists', () => {
    for (const keep of [0, -1, 1.5, Number.NaN, '10', Infinity]) {
      expect(() => createStore({}, { keep: keep as number })).toThrow(InvalidArgumentError);
    }
    expect(() => createStore({}, { keep: 0 })).toThrow('options.keep must be a positive integer (versions to retain), got 0 (number).');
    expect(() => createStore({}, { kep: 3 } as never)).toThrow(/options\.kep/);
    expect(() => createStore({}, { origin: { version: -1, at: new Date() } })).toThrow(/options\.origin\.version/);
    expect(() => createStore({}, { origin: { version: 1, at: new Date('nope') } })).toThrow(/options\.origin\.at/);
    expect(() => createStore({}, { now: 5 as never })).toThrow(/options\.now/);
    expect(() => createStore({}, null as never)).toThrow(InvalidArgumentError);
  });

  it('refuses an initial state holding a value a store cannot hold, naming where', () => {
    const cases: [unknown, string][] = [
      [{ when: new Date(0) }, 'initial/when'],
      [{ a: { b: undefined } }, 'initial/a/b'],
      [{ list: [1, () => 2] }, 'initial/list/1'],
      [{ n: Number.NaN }, 'initial/n'],
      [{ m: new Map([[1, 'one']]) }, 'initial/m'],
      [{ s: new Set([{}]) }, 'initial/s'],
      [{ k: keyed({ x: new (class Point {})() }) }, 'initial/k/x'],
      [JSON.parse('{"__proto__": 1}'), 'initial'],
    ];
    for (const [value, path] of cases) {
      const error = (() => {
        try {
          createStore(value);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, path).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).path).toBe(path);
    }
  });
});

describe('commit', () => {
  it('applies the recipe and returns the next version with its timestamp', () => {
    const time = clock();
    const store = createStore(initial(), { now: time.now });
    time.advance(1000);
    const v1 = store.commit((draft) => {
      draft.todos[0]!.done = true;
      draft.count++;
    });
    expect(v1).toEqual({ version: 1, at: time.now() });
    expect(store.version).toEqual(v1);
    expect(store.get().todos[0]).toEqual({ title: 'write', done: true });
    expect(store.get().count).toBe(1);
    expect(store.at(0).count).toBe(0);
  });

  it('a recipe that throws changes nothing', () => {
    const store = createStore(initial());
    const before = store.get();
    const seen: StateChange<State>[] = [];
    store.subscribe((change) => seen.push(change));
    const boom = new Error('boom');
    let caught: unknown;
    try {
      store.commit((draft) => {
        draft.count = 99;
        draft.todos.push({ title: 'half', done: false });
        throw boom;
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StateRecipeFailedError);
    expect(isRewindError(caught, 'STATE_RECIPE_FAILED')).toBe(true);
    expect((caught as StateRecipeFailedError).cause).toBe(boom);
    expect((caught as Error).message).toBe(
      'The recipe passed to store.commit threw (boom); nothing was committed and the store is still at version 0. The recipe\'s error is the cause.',
    );
    expect(store.get()).toBe(before);
    expect(store.version.version).toBe(0);
    expect(seen).toEqual([]);
  });

  it('a recipe that changes nothing makes no version', () => {
    const store = createStore(initial());
    const seen: unknown[] = [];
    store.subscribe((change) => seen.push(change));
    expect(store.commit(() => undefined)).toEqual(store.version);
    expect(store.commit((draft) => void (draft.settings = { theme: 'dark' }))).toEqual({ version: 0, at: store.version.at });
    expect(store.version.version).toBe(0);
    expect(seen).toEqual([]);
  });

  it('a recipe may return a replacement state', () => {
    const store = createStore(initial());
    store.commit(() => ({ todos: [], settings: { theme: 'light' }, count: 7 }));
    expect(store.get()).toEqual({ todos: [], settings: { theme: 'light' }, count: 7 });
    expect(Object.isFrozen(store.get().settings)).toBe(true);
  });

  it('a recipe that leaves a value a store cannot hold is refused and changes nothing', () => {
    const store = createStore<{ items: unknown[]; meta: Record<string, unknown> }>({ items: [], meta: {} });
    expect(() => store.commit((draft) => void draft.items.push({ at: new Date(0) }))).toThrow(
      /^state\/items\/0\/at must be a value a store can hold/,
    );
    expect(() => store.commit((draft) => void (draft.meta['x'] = undefined))).toThrow(InvalidArgumentError);
    expect(store.version.version).toBe(0);
    expect(store.get()).toEqual({ items: [], meta: {} });
  });

  it('keeps committed states frozen and shares unchanged parts with earlier versions', () => {
    const store = createStore({ ...initial(), big: { list: [1, 2, 3] } });
    store.commit((draft) => void (draft.settings.theme = 'light'));
    expect(Object.isFrozen(store.get())).toBe(true);
    expect(Object.isFrozen(store.get().settings)).toBe(true);
    expect(store.get().big).toBe(store.at(0).big);
    expect(store.get().todos).toBe(store.at(0).todos);
    expect(() => {
      (store.get().settings as { theme: string }).theme = 'x';
    }).toThrow(TypeError);
  });

  it('refuses a commit from inside a recipe of the same store', () => {
    const store = createStore(initial());
    let inner: unknown;
    expect(() =>
      store.commit((draft) => {
        draft.count = 1;
        try {
          store.commit((d) => void (d.count = 2));
        } catch (error) {
          inner = error;
          throw error;
        }
      }),
    ).toThrow(StateRecipeFailedError);
    expect(inner).toBeInstanceOf(StateMisuseError);
    expect(store.get().count).toBe(0);
    expect(() => store.commit('nope' as never)).toThrow(InvalidArgumentError);
  });
});

describe('versions', () => {
  it('at returns the state of any retained version', () => {
    const store = createStore(initial());
    for (let i = 1; i <= 5; i++) store.commit((draft) => void (draft.count = i * 10));
    expect([0, 1, 2, 3, 4, 5].map((v) => store.at(v).count)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(store.versions().map((v) => v.version)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('asOf returns the state that was current at an instant', () => {
    const time = clock(Date.UTC(2025, 0, 1, 12));
    const store = createStore(initial(), { now: time.now });
    time.advance(60_000);
    store.commit((draft) => void (draft.count = 1));
    time.advance(60_000);
    store.commit((draft) => void (draft.count = 2));
    expect(store.asOf(new Date(Date.UTC(2025, 0, 1, 12, 0, 30))).count).toBe(0);
    expect(store.asOf(new Date(Date.UTC(2025, 0, 1, 12, 1))).count).toBe(1);
    expect(store.asOf(new Date(Date.UTC(2025, 0, 1, 12, 1, 59))).count).toBe(1);
    expect(store.asOf(new Date(Date.UTC(2030, 0, 1))).count).toBe(2);
    expect(() => store.asOf(new Date(Date.UTC(2025, 0, 1, 11)))).toThrow(StateVersionNotFoundError);
    expect(() => store.asOf(new Date('nope'))).toThrow(InvalidArgumentError);
  });

  it('timestamps never go backwards, even when the clock does', () => {
    const time = clock(Date.UTC(2025, 0, 1));
    const store = createStore(initial(), { now: time.now });
    time.set(Date.UTC(2024, 0, 1));
    const v1 = store.commit((draft) => void (draft.count = 1));
    expect(v1.at).toEqual(new Date(Date.UTC(2025, 0, 1)));
  });

  it('keep bounds the retained versions, and asking for a dropped one says which are retained', () => {
    const store = createStore(initial(), { keep: 3 });
    for (let i = 1; i <= 5; i++) store.commit((draft) => void (draft.count = i));
    expect(store.versions().map((v) => v.version)).toEqual([3, 4, 5]);
    expect(store.at(3).count).toBe(3);
    let error: unknown;
    try {
      store.at(2);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateVersionNotFoundError);
    expect(error).toMatchObject({ code: 'STATE_VERSION_NOT_FOUND', requested: 2, oldest: 3, newest: 5, keep: 3 });
    expect((error as Error).message).toBe(
      'Version 2 is no longer retained. This store retains versions 3 to 5 (keep: 3). Create the store with a larger keep to look further back.',
    );
  });

  it('keeps only the current version with keep 1, over many commits', () => {
    const store = createStore({ n: 0 }, { keep: 1 });
    for (let i = 1; i <= 500; i++) store.commit((draft) => void (draft.n = i));
    expect(store.versions().map((v) => v.version)).toEqual([500]);
    expect(store.at(500)).toEqual({ n: 500 });
    expect(() => store.at(499)).toThrow(StateVersionNotFoundError);
  });

  it('asking for a version that does not exist yet throws StateVersionNotFoundError', () => {
    const store = createStore(initial());
    expect(() => store.at(1)).toThrow('Version 1 does not exist yet: the newest version is 0.');
  });

  it('refuses a version argument that is not an integer >= 0 with InvalidArgumentError', () => {
    const store = createStore(initial());
    for (const bad of [-1, 0.5, Number.NaN, '0', undefined]) {
      expect(() => store.at(bad as number)).toThrow(InvalidArgumentError);
      expect(() => store.rollback(bad as number)).toThrow(InvalidArgumentError);
      expect(() => store.diff(0, bad as number)).toThrow(InvalidArgumentError);
    }
  });

  it('continues the numbering and timestamps given by origin', () => {
    const at = new Date(Date.UTC(2024, 5, 1));
    const store = createStore(initial(), { origin: { version: 41, at } });
    expect(store.version).toEqual({ version: 41, at });
    expect(store.commit((draft) => void (draft.count = 1)).version).toBe(42);
    expect(() => store.at(40)).toThrow(StateVersionNotFoundError);
  });
});

describe('rollback', () => {
  it('makes a new version equal to the old one and keeps the history', () => {
    const store = createStore(initial());
    store.commit((draft) => void (draft.count = 1));
    store.commit((draft) => void draft.todos.push({ title: 'test', done: false }));
    const back = store.rollback(0);
    expect(back.version).toBe(3);
    expect(store.get()).toBe(store.at(0));
    expect(store.at(2).todos).toHaveLength(2);
    expect(store.versions().map((v) => v.version)).toEqual([0, 1, 2, 3]);
  });

  it('a rollback to a dropped version throws and changes nothing', () => {
    const store = createStore(initial(), { keep: 2 });
    store.commit((draft) => void (draft.count = 1));
    store.commit((draft) => void (draft.count = 2));
    expect(() => store.rollback(0)).toThrow(StateVersionNotFoundError);
    expect(store.version.version).toBe(2);
  });
});

describe('subscribe', () => {
  it('subscribers see every new version with its patches, in order, until they dispose', () => {
    const store = createStore(initial());
    const seen: StateChange<State>[] = [];
    const subscription = store.subscribe((change) => seen.push(change));
    store.commit((draft) => void (draft.count = 1));
    store.rollback(0);
    subscription.dispose();
    store.commit((draft) => void (draft.count = 5));
    expect(seen.map((c) => [c.kind, c.version, c.state.count])).toEqual([
      ['commit', 1, 1],
      ['rollback', 2, 0],
    ]);
    expect(seen[0]!.patches).toEqual([{ op: 'replace', path: '/count', value: 1 }]);
    expect(seen[0]!.inversePatches).toEqual([{ op: 'replace', path: '/count', value: 0 }]);
    expect(Object.isFrozen(seen[0]!.patches)).toBe(true);
    expect(() => store.subscribe(42 as never)).toThrow(InvalidArgumentError);
  });

  it('a subscriber that commits sees its change announced after the current one', () => {
    const store = createStore(initial());
    const order: number[] = [];
    store.subscribe((change) => {
      order.push(change.version);
      if (change.version === 1) store.commit((draft) => void (draft.count = 2));
    });
    store.subscribe((change) => order.push(change.version * 10));
    store.commit((draft) => void (draft.count = 1));
    expect(order).toEqual([1, 10, 2, 20]);
    expect(store.get().count).toBe(2);
  });
});

describe('diff', () => {
  it('returns an RFC 6902 patch between any two retained versions, in either direction', () => {
    const store = createStore(initial());
    store.commit((draft) => void (draft.settings.size = 12));
    store.commit((draft) => {
      draft.todos.push({ title: 'ship', done: false });
      draft.settings.theme = 'light';
    });
    expect(store.diff(0, 2)).toEqual([
      { op: 'add', path: '/todos/1', value: { title: 'ship', done: false } },
      { op: 'replace', path: '/settings/theme', value: 'light' },
      { op: 'add', path: '/settings/size', value: 12 },
    ]);
    expect(store.diff(2, 0)).toEqual([
      { op: 'remove', path: '/todos/1' },
      { op: 'replace', path: '/settings/theme', value: 'dark' },
      { op: 'remove', path: '/settings/size' },
    ]);
    expect(store.diff(1, 1)).toEqual([]);
  });

  it('escapes ~ and / in keys as ~0 and ~1 in patch paths', () => {
    const store = createStore<Record<string, Record<string, number>>>({ 'a/b': { 'c~d': 1 } });
    store.commit((draft) => void (draft['a/b']!['c~d'] = 2));
    store.commit((draft) => void (draft['~/'] = { '/': 1 }));
    expect(store.diff(0, 1)).toEqual([{ op: 'replace', path: '/a~1b/c~0d', value: 2 }]);
    expect(store.diff(1, 2)).toEqual([{ op: 'add', path: '/~0~1', value: { '/': 1 } }]);
    const other = createStore<Record<string, Record<string, number>>>({ 'a/b': { 'c~d': 1 } });
    other.applyPatches(store.diff(0, 2));
    expect(other.get()).toEqual(store.get());
  });
});
