import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  createStore,
  keyed,
  StatePatchError,
  type CommitRecord,
  type JsonPatch,
  type JsonValue,
  type StateChange,
} from '../../src/state/index.js';
import { canonical } from './helpers.js';

interface Doc {
  users: ReturnType<typeof keyed<{ name: string; roles: Set<string> }>>;
  settings: Map<string, string>;
  history: string[];
}

function initial(): Doc {
  return { users: keyed(), settings: new Map([['theme', 'dark']]), history: [] };
}

/** What a journal keeps of a change: plain JSON (patches are `JsonValue` as they are), epoch milliseconds for the time. */
function toJournal(change: StateChange<Doc>): string {
  const record: JsonValue = { version: change.version, at: change.at.getTime(), patches: change.patches };
  return JSON.stringify(record);
}

describe('persistence through patches', () => {
  it('a store rebuilt by replaying its journal equals the original, version by version', async () => {
    let ms = Date.UTC(2025, 2, 1);
    const now = (): Date => new Date((ms += 1000));
    const origin = { version: 0, at: new Date(Date.UTC(2025, 2, 1)) };
    const original = createStore(initial(), { origin, now });
    const journal: string[] = [];
    original.subscribe((change) => {
      if (change.kind !== 'replay') journal.push(toJournal(change));
    });
    original.commit((draft) => void draft.users.set('ada', { name: 'Ada', roles: new Set(['admin']) }));
    original.commit((draft) => {
      draft.users.get('ada')!.roles.add('ops');
      draft.settings.set('lang', 'en');
      draft.history.push('ada joined');
    });
    await original.transaction((tx) => {
      tx.commit((draft) => void draft.users.set('bob', { name: 'Bob', roles: new Set() }));
      tx.commit((draft) => void draft.settings.delete('theme'));
    });
    original.rollback(1);
    original.applyPatches(original.diff(4, 3));

    const rebuilt = createStore(initial(), { origin });
    const kinds: string[] = [];
    rebuilt.subscribe((change) => kinds.push(change.kind));
    for (const line of journal) rebuilt.replay(JSON.parse(line) as CommitRecord);

    expect(kinds).toEqual(['replay', 'replay', 'replay', 'replay', 'replay']);
    expect(rebuilt.versions()).toEqual(original.versions());
    for (const { version } of original.versions()) {
      expect(canonical(rebuilt.at(version))).toEqual(canonical(original.at(version)));
    }
    expect(rebuilt.get().users.get('ada')!.roles).toBeInstanceOf(Set);
    expect(rebuilt.get().settings).toBeInstanceOf(Map);
  });

  it('replay refuses a record that is not the next version, or malformed, and changes nothing', () => {
    const store = createStore(initial());
    const patches: JsonPatch = [{ op: 'add', path: '/history/0', value: 'x' }];
    expect(() => store.replay({ version: 2, at: 0, patches })).toThrow(
      'record.version must be 1, the version after this store\'s newest, got 2 (number).',
    );
    expect(() => store.replay({ version: 1, at: 'soon' as never, patches })).toThrow(/record\.at/);
    expect(() => store.replay({ version: 1, at: 0, patches: {} as never })).toThrow(/record\.patches/);
    expect(() => store.replay(null as never)).toThrow(InvalidArgumentError);
    expect(store.version.version).toBe(0);
  });

  it('replay makes the recorded version even when its patch is empty, so numbers stay in step', () => {
    const store = createStore(initial());
    expect(store.replay({ version: 1, at: new Date(), patches: [] }).version).toBe(1);
    expect(store.versions()).toHaveLength(2);
  });

  it('inverse patches undo a change when applied as a new version', () => {
    const store = createStore(initial());
    let undo: JsonPatch = [];
    store.subscribe((change) => {
      if (change.version === 1) undo = change.inversePatches;
    });
    store.commit((draft) => {
      draft.users.set('ada', { name: 'Ada', roles: new Set(['x']) });
      draft.settings.clear();
      draft.history.unshift('first', 'second');
    });
    const undone = store.applyPatches(undo);
    expect(undone.version).toBe(2);
    expect(canonical(store.get())).toEqual(canonical(store.at(0)));
  });

  it('applyPatches refuses a patch that does not fit the state, and changes nothing', () => {
    const store = createStore(initial());
    const cases: [JsonPatch, RegExp][] = [
      [[{ op: 'replace', path: '/users/nobody/name', value: 'x' }], /"nobody" does not exist/],
      [[{ op: 'remove', path: '/settings/none' }], /"none" does not exist/],
      [[{ op: 'add', path: '/history/5', value: 'x' }], /not an index below 1/],
      [[{ op: 'add', path: '/history/0/deeper', value: 'x' }], /"0" is not an index below 0/],
      [[{ op: 'remove', path: '' }], /whole state cannot be removed/],
      [
        [
          { op: 'add', path: '/history/0', value: 'ok' },
          { op: 'replace', path: '/nothing/here', value: 1 },
        ],
        /operation 1 \(replace "\/nothing\/here"\)/,
      ],
    ];
    for (const [patch, message] of cases) {
      expect(() => store.applyPatches(patch)).toThrow(StatePatchError);
      expect(() => store.applyPatches(patch)).toThrow(message);
    }
    expect(store.version.version).toBe(0);
    expect(store.get().history).toEqual([]);
  });

  it('applyPatches refuses malformed patches with InvalidArgumentError', () => {
    const store = createStore(initial());
    const bad: unknown[] = [
      'nope',
      [{ op: 'move', from: '/a', path: '/b' }],
      [{ op: 'add', path: 'no-slash', value: 1 }],
      [{ op: 'add', path: '/a~2', value: 1 }],
      [{ op: 'add', path: '/history/-' }],
      [{ op: 'add', path: '/history/-', value: Number.POSITIVE_INFINITY }],
      [{ op: 'add', path: '/x', value: {}, containers: { '': 'tree' } }],
      [{ op: 'add', path: '/x', value: [], containers: { '': 'map' } }],
      [{ op: 'add', path: '/x', value: {}, containers: { '/missing': 'set' } }],
    ];
    for (const patch of bad) expect(() => store.applyPatches(patch as JsonPatch), JSON.stringify(patch)).toThrow(InvalidArgumentError);
    expect(store.version.version).toBe(0);
  });

  it('applies operations that reach into containers added earlier in the same patch, and freezes them', () => {
    const store = createStore<Record<string, unknown>>({});
    store.applyPatches([
      { op: 'add', path: '/k', value: { x: { n: 1 } }, containers: { '': 'keyed' } },
      { op: 'replace', path: '/k/x/n', value: 2 },
      { op: 'add', path: '/m', value: { a: { list: [] } }, containers: { '': 'map' } },
      { op: 'add', path: '/m/a/list/-', value: 'item' },
      { op: 'add', path: '/o', value: { deep: {} } },
      { op: 'add', path: '/o/deep/s', value: [1], containers: { '': 'set' } },
      { op: 'add', path: '/o/deep/s/-', value: 2 },
    ]);
    const state = store.get() as { k: ReturnType<typeof keyed<{ n: number }>>; m: Map<string, { list: string[] }>; o: { deep: { s: Set<number> } } };
    expect(state.k.get('x')).toEqual({ n: 2 });
    expect(state.m.get('a')!.list).toEqual(['item']);
    expect(state.o.deep.s).toEqual(new Set([1, 2]));
    expect(Object.isFrozen(state.k)).toBe(true);
    expect(Object.isFrozen(state.k.get('x'))).toBe(true);
    expect(Object.isFrozen(state.m.get('a')!.list)).toBe(true);
    expect(() => state.o.deep.s.add(3)).toThrow();
  });

  it('applies a patch whose last whole-state replacement makes earlier operations moot', () => {
    const store = createStore<{ n: number; m?: Map<string, number> }>({ n: 1 });
    store.applyPatches([
      { op: 'replace', path: '/n', value: 2 },
      { op: 'replace', path: '', value: { n: 3, m: { a: 1 } }, containers: { '/m': 'map' } },
      { op: 'add', path: '/m/b', value: 2 },
    ]);
    expect(store.get().n).toBe(3);
    expect(store.get().m).toEqual(new Map([['a', 1], ['b', 2]]));
    expect(Object.isFrozen(store.get())).toBe(true);
  });
});
