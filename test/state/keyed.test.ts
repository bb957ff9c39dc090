import { describe, expect, it } from 'vitest';
import { produce } from 'immer';
import { hashKey, trieBuild, trieDelete, trieDiff, trieGet, trieSet, type TrieNode } from '../../src/state/hamt.js';
import { createStore, Keyed, keyed } from '../../src/state/index.js';
import { random, trieNodes } from './helpers.js';

interface User {
  name: string;
  visits: number;
  tags?: string[];
}

function users(count: number): Record<string, User> {
  const out: Record<string, User> = {};
  for (let i = 0; i < count; i++) out[`u${i}`] = { name: `User ${i}`, visits: 0 };
  return out;
}

describe('keyed', () => {
  it('builds a collection from entries or an object, later duplicates winning', () => {
    const fromObject = keyed(users(3));
    expect(fromObject.size).toBe(3);
    expect(fromObject.get('u1')).toEqual({ name: 'User 1', visits: 0 });
    const fromEntries = keyed<number>([
      ['a', 1],
      ['b', 2],
      ['a', 3],
    ]);
    expect(fromEntries.size).toBe(2);
    expect(fromEntries.toJSON()).toEqual({ a: 3, b: 2 });
    expect(keyed().size).toBe(0);
    expect(Object.isFrozen(fromObject.get('u0'))).toBe(true);
    expect(() => keyed([[1 as never, 'x']])).toThrow(TypeError);
  });

  it('inside a recipe, get returns a draft whose changes are written back', () => {
    const store = createStore({ users: keyed(users(10)) });
    store.commit((draft) => {
      const user = draft.users.get('u3')!;
      user.visits++;
      user.tags = ['new'];
      expect(draft.users.get('u3')).toBe(user);
    });
    expect(store.get().users.get('u3')).toEqual({ name: 'User 3', visits: 1, tags: ['new'] });
    expect(Object.isFrozen(store.get().users.get('u3'))).toBe(true);
    expect(store.at(0).users.get('u3')).toEqual({ name: 'User 3', visits: 0 });
    expect(store.get().users.get('u4')).toBe(store.at(0).users.get('u4'));
    expect(store.diff(0, 1)).toEqual([
      { op: 'replace', path: '/users/u3/visits', value: 1 },
      { op: 'add', path: '/users/u3/tags', value: ['new'] },
    ]);
  });

  it('reading a value inside a recipe without changing it changes nothing', () => {
    const store = createStore({ users: keyed(users(10)) });
    expect(store.commit((draft) => void draft.users.get('u1')!.name).version).toBe(0);
  });

  it('set, delete, has, size and iteration work inside a recipe', () => {
    const store = createStore({ users: keyed(users(3)) });
    store.commit((draft) => {
      draft.users.set('u9', { name: 'Nine', visits: 9 });
      expect(draft.users.delete('u0')).toBe(true);
      expect(draft.users.delete('nobody')).toBe(false);
      expect(draft.users.has('u9')).toBe(true);
      expect(draft.users.size).toBe(3);
      expect([...draft.users.keys()].sort()).toEqual(['u1', 'u2', 'u9']);
      expect([...draft.users.values()].map((u) => u.visits).sort()).toEqual([0, 0, 9]);
    });
    const current = store.get().users;
    expect(current.size).toBe(3);
    expect(Object.fromEntries(current)).toEqual({ u1: users(3)['u1'], u2: users(3)['u2'], u9: { name: 'Nine', visits: 9 } });
    expect(current).toBeInstanceOf(Keyed);
  });

  it('an explicit set or delete wins over changes made through an earlier get', () => {
    const store = createStore({ users: keyed(users(3)) });
    store.commit((draft) => {
      draft.users.get('u1')!.visits = 50;
      draft.users.set('u1', { name: 'Replaced', visits: 1 });
      draft.users.get('u2')!.visits = 50;
      draft.users.delete('u2');
    });
    expect(store.get().users.toJSON()).toEqual({ u0: users(1)['u0'], u1: { name: 'Replaced', visits: 1 } });
  });

  it('a value set from a draft is stored as a snapshot of that draft', () => {
    const store = createStore({ users: keyed(users(2)), template: { name: 'T', visits: 0 } });
    store.commit((draft) => {
      draft.template.visits = 5;
      draft.users.set('copy', draft.template);
      draft.users.set('twin', draft.users.get('u0')!);
    });
    expect(store.get().users.get('copy')).toEqual({ name: 'T', visits: 5 });
    expect(store.get().users.get('twin')).toEqual(store.get().users.get('u0'));
  });

  it('a committed Keyed is frozen and refuses changes outside a recipe', () => {
    const store = createStore({ users: keyed(users(2)) });
    const committed = store.get().users;
    expect(Object.isFrozen(committed)).toBe(true);
    expect(() => committed.set('x', { name: 'X', visits: 0 })).toThrow(/committed \(frozen\) collection/);
    expect(() => committed.delete('u0')).toThrow(TypeError);
    expect(committed.size).toBe(2);
  });

  it('a collection nested in a value of another collection is changed through nested drafts', () => {
    const teams = keyed({ red: { members: keyed(users(3)) } });
    const store = createStore({ teams });
    store.commit((draft) => {
      draft.teams.get('red')!.members.get('u2')!.visits = 7;
      draft.teams.get('red')!.members.set('u8', { name: 'Eight', visits: 8 });
    });
    const red = store.get().teams.get('red')!;
    expect(red.members.get('u2')!.visits).toBe(7);
    expect(red.members.size).toBe(4);
    expect(store.diff(0, 1)).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/teams/red/members/u2/visits', value: 7 },
        { op: 'add', path: '/teams/red/members/u8', value: { name: 'Eight', visits: 8 } },
      ]),
    );
  });

  it('a one-entry change to 100,000 entries copies a handful of trie nodes and shares the rest', () => {
    const store = createStore({ users: keyed(users(100_000)) });
    store.commit((draft) => void (draft.users.get('u77777')!.visits = 1));
    const before = trieNodes(store.at(0).users);
    const after = trieNodes(store.get().users);
    const fresh = [...after].filter((node) => !before.has(node));
    expect(after.size).toBe(before.size);
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.length).toBeLessThanOrEqual(8);
    expect(store.diff(0, 1)).toEqual([{ op: 'replace', path: '/users/u77777/visits', value: 1 }]);
  });

  it('stays readable, though not draft-aware, inside a plain Immer produce', () => {
    const base = { users: keyed(users(2)) };
    const next = produce(base, (draft) => void draft.users.set('u5', { name: 'Five', visits: 5 }));
    expect(next.users.size).toBe(3);
    expect(base.users.size).toBe(2);
  });
});

describe('the hash trie under Keyed', () => {
  it('agrees with a Map under random sets and deletes, and its diff reports exactly what changed', () => {
    const next = random(42);
    let root: TrieNode<number> | undefined;
    const model = new Map<string, number>();
    for (let round = 0; round < 40; round++) {
      const before = root;
      const modelBefore = new Map(model);
      for (let i = 0; i < 200; i++) {
        const key = `k${Math.floor(next() * 600)}`;
        if (next() < 0.35) {
          root = trieDelete(root, key);
          model.delete(key);
        } else {
          const value = Math.floor(next() * 5);
          root = trieSet(root, key, value, { value: false });
          model.set(key, value);
        }
      }
      for (let k = 0; k < 600; k++) expect(trieGet(root, `k${k}`)?.value).toBe(model.get(`k${k}`));
      const reported = new Map<string, string>();
      trieDiff(before, root, {
        added: (key, value) => reported.set(key, `+${value}`),
        removed: (key) => reported.set(key, '-'),
        changed: (key, _old, value) => reported.set(key, `~${value}`),
      });
      const expected = new Map<string, string>();
      for (const [key, value] of model) {
        if (!modelBefore.has(key)) expected.set(key, `+${value}`);
        else if (modelBefore.get(key) !== value) expected.set(key, `~${value}`);
      }
      for (const key of modelBefore.keys()) if (!model.has(key)) expected.set(key, '-');
      expect(reported).toEqual(expected);
      // Canonical form: the same keys give the same shape, however they got there.
      expect(trieBuild(model)).toEqual(root);
    }
  });

  it('keeps keys whose hashes collide apart', () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const key = `c${i}`;
      const other = seen.get(hashKey(key));
      if (other !== undefined) pair = [other, key];
      else seen.set(hashKey(key), key);
    }
    const [a, b] = pair;
    const store = createStore({ k: keyed<number>([[a, 1]]) });
    store.commit((draft) => void draft.k.set(b, 2));
    store.commit((draft) => void draft.k.set(a, 3));
    expect(store.get().k.toJSON()).toEqual({ [a]: 3, [b]: 2 });
    expect(store.diff(1, 2)).toEqual([{ op: 'replace', path: `/k/${a}`, value: 3 }]);
    store.commit((draft) => void draft.k.delete(a));
    expect(store.get().k.toJSON()).toEqual({ [b]: 2 });
    expect(store.get().k.has(a)).toBe(false);
  });
});
