import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../src/state/apply-patch.js';
import { arrayHunks, MAX_EDITS } from '../../src/state/array-diff.js';
import { diffStates } from '../../src/state/diff.js';
import { createStore, keyed, type Draft, type JsonPatch, type StateChange } from '../../src/state/index.js';
import { canonical, random } from './helpers.js';

function numbers(count: number): { id: number }[] {
  return Array.from({ length: count }, (_, id) => ({ id }));
}

describe('array patches', () => {
  it('removing the first element of a 10,000-element array is one remove operation', () => {
    const store = createStore({ items: numbers(10_000) });
    store.commit((draft) => void draft.items.splice(0, 1));
    expect(store.diff(0, 1)).toEqual([{ op: 'remove', path: '/items/0' }]);
    expect(store.diff(1, 0)).toEqual([{ op: 'add', path: '/items/0', value: { id: 0 } }]);
  });

  it('inserting into the middle of a 10,000-element array is one add operation', () => {
    const store = createStore({ items: numbers(10_000) });
    store.commit((draft) => void draft.items.splice(5_000, 0, { id: -1 }, { id: -2 }));
    expect(store.diff(0, 1)).toEqual([
      { op: 'add', path: '/items/5000', value: { id: -1 } },
      { op: 'add', path: '/items/5001', value: { id: -2 } },
    ]);
  });

  it('separate edits of a large array stay separate, small operations', () => {
    const store = createStore({ items: numbers(10_000) });
    store.commit((draft) => {
      draft.items.splice(9_000, 1);
      draft.items[5_000]!.id = -5;
      draft.items.splice(10, 0, { id: -10 });
      draft.items.shift();
    });
    const patch = store.diff(0, 1);
    expect(patch).toEqual([
      { op: 'remove', path: '/items/0' },
      { op: 'add', path: '/items/9', value: { id: -10 } },
      { op: 'replace', path: '/items/5000/id', value: -5 },
      { op: 'remove', path: '/items/9000' },
    ]);
    expect(canonical(applyPatch(store.at(0), patch, 'patch'))).toEqual(canonical(store.get()));
    expect(canonical(applyPatch(store.get(), store.diff(1, 0), 'patch'))).toEqual(canonical(store.at(0)));
  });

  it('a changed element is patched in place, not removed and added', () => {
    const store = createStore({ items: numbers(100) });
    store.commit((draft) => void (draft.items[40] = { id: 4000 }));
    expect(store.diff(0, 1)).toEqual([{ op: 'replace', path: '/items/40/id', value: 4000 }]);
  });

  it('finds minimal hunks, and one positional hunk past the edit limit', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(arrayHunks(a, [1, 3, 4, 9, 5, 6, 8])).toEqual([
      { oldStart: 1, oldEnd: 2, newStart: 1, newEnd: 1 },
      { oldStart: 4, oldEnd: 4, newStart: 3, newEnd: 4 },
      { oldStart: 6, oldEnd: 7, newStart: 6, newEnd: 6 },
    ]);
    expect(arrayHunks(a, a.slice())).toEqual([]);
    const big = Array.from({ length: 4 * MAX_EDITS }, (_, i) => i);
    const reversed = big.slice().reverse();
    expect(arrayHunks(big, reversed)).toEqual([{ oldStart: 0, oldEnd: big.length, newStart: 0, newEnd: big.length }]);
  });
});

describe('Map and Set patches', () => {
  it('Map and Set contents round-trip through patches and inverse patches', () => {
    const initial = {
      prefs: new Map<string, { on: boolean }>([
        ['mail', { on: true }],
        ['sms', { on: false }],
      ]),
      tags: new Set(['a', 'b', 'c']),
    };
    const store = createStore(initial);
    const changes: StateChange<typeof initial>[] = [];
    store.subscribe((change) => changes.push(change));
    store.commit((draft) => {
      draft.prefs.get('mail')!.on = false;
      draft.prefs.delete('sms');
      draft.prefs.set('push', { on: true });
      draft.tags.delete('b');
      draft.tags.add('d');
    });
    store.commit((draft) => void (draft.prefs = new Map([['fax', { on: true }]])));
    for (const change of changes) {
      const before = store.at(change.version - 1);
      const after = change.state;
      const forward = applyPatch(before, change.patches, 'patches');
      const backward = applyPatch(after, change.inversePatches, 'inversePatches');
      expect(canonical(forward)).toEqual(canonical(after));
      expect(canonical(backward)).toEqual(canonical(before));
      expect(forward.prefs).toBeInstanceOf(Map);
      expect(backward.tags).toBeInstanceOf(Set);
    }
    expect(changes[0]!.patches).toEqual([
      { op: 'replace', path: '/prefs/mail/on', value: false },
      { op: 'remove', path: '/prefs/sms' },
      { op: 'add', path: '/prefs/push', value: { on: true } },
      { op: 'remove', path: '/tags/1' },
      { op: 'add', path: '/tags/-', value: 'd' },
    ]);
    expect(changes[1]!.patches).toEqual([
      { op: 'remove', path: '/prefs/mail' },
      { op: 'remove', path: '/prefs/push' },
      { op: 'add', path: '/prefs/fax', value: { on: true } },
    ]);
  });

  it('a container that changes kind is replaced whole, with its kinds described', () => {
    const store = createStore<{ data: unknown }>({ data: { a: 1 } });
    store.commit((draft) => void (draft.data = new Map([['a', new Set([1])]])));
    expect(store.diff(0, 1)).toEqual([
      { op: 'replace', path: '/data', value: { a: [1] }, containers: { '': 'map', '/a': 'set' } },
    ]);
    store.commit((draft) => void (draft.data = keyed({ x: { y: new Map() } })));
    expect(store.diff(1, 2)).toEqual([
      { op: 'replace', path: '/data', value: { x: { y: {} } }, containers: { '': 'keyed', '/x/y': 'map' } },
    ]);
  });
});

describe('random changes', () => {
  interface Doc {
    list: { n: number }[];
    map: Map<string, { n: number }>;
    set: Set<number>;
    users: ReturnType<typeof keyed<{ n: number; tags: string[] }>>;
    meta: Record<string, number>;
  }

  /** Makes one random edit somewhere in the draft. */
  function edit(draft: Draft<Doc>, next: () => number): void {
    const pick = (n: number): number => Math.floor(next() * n);
    const key = `k${pick(30)}`;
    switch (pick(10)) {
      case 0:
        draft.list.splice(pick(draft.list.length + 1), pick(3), ...Array.from({ length: pick(3) }, () => ({ n: pick(100) })));
        break;
      case 1:
        if (draft.list.length > 0) draft.list[pick(draft.list.length)]!.n = pick(100);
        break;
      case 2:
        draft.map.set(key, { n: pick(100) });
        break;
      case 3:
        if (draft.map.has(key)) draft.map.get(key)!.n++;
        else draft.map.delete(key);
        break;
      case 4:
        if (next() < 0.5) draft.set.add(pick(20));
        else draft.set.delete(pick(20));
        break;
      case 5:
        draft.users.set(key, { n: pick(100), tags: [] });
        break;
      case 6:
        draft.users.delete(key);
        break;
      case 7:
        draft.users.get(key)?.tags.push(`t${pick(5)}`);
        break;
      case 8:
        draft.meta[key] = pick(100);
        break;
      default:
        delete draft.meta[key];
    }
  }

  it('patches and inverse patches turn every version into the next and back', () => {
    const next = random(7);
    const store = createStore<Doc>({ list: [], map: new Map(), set: new Set(), users: keyed(), meta: {} }, { keep: 1_000 });
    const changes: StateChange<Doc>[] = [];
    store.subscribe((change) => changes.push(change));
    for (let i = 0; i < 300; i++) {
      store.commit((draft) => {
        for (let e = 1 + Math.floor(next() * 4); e > 0; e--) edit(draft, next);
      });
    }
    expect(changes.length).toBeGreaterThan(250);
    for (const change of changes) {
      const before = store.at(change.version - 1);
      const wire = JSON.parse(JSON.stringify(change)) as { patches: JsonPatch; inversePatches: JsonPatch };
      expect(canonical(applyPatch(before, wire.patches, 'patches'))).toEqual(canonical(change.state));
      expect(canonical(applyPatch(change.state, wire.inversePatches, 'inversePatches'))).toEqual(canonical(before));
    }
    const first = store.at(changes[0]!.version - 1);
    expect(canonical(applyPatch(first, diffStates(first, store.get()), 'diff'))).toEqual(canonical(store.get()));
  });
});
