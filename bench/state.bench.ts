/**
 * rewind/state: the cost of a version grows with what changed, not with the state's size.
 *
 * (1) Time to commit a one-key change to a 100,000-key state, against Immer's
 *     produceWithPatches changing one key of the same data as a plain object.
 * (2) Heap per retained version, 1,000 versions of that state with one key changed in each,
 *     against keeping structuredClone snapshots of the same data.
 *
 * Run: node --expose-gc --import tsx bench/state.bench.ts
 */
import { enablePatches, freeze, produceWithPatches } from 'immer';
import { createStore, keyed } from '../src/state/index.js';
import { figure, heapAfterGc, report, timePerOp } from './report.js';

interface User {
  readonly name: string;
  readonly visits: number;
}

const KEYS = 100_000;
const VERSIONS = 1_000;
const CLONES = 5;
const WARM_UP = 200;

function users(): Record<string, User> {
  const out: Record<string, User> = {};
  for (let i = 0; i < KEYS; i++) out[`user-${i}`] = { name: `User ${i}`, visits: i };
  return out;
}

function key(i: number): string {
  return `user-${(i * 7919) % KEYS}`;
}

function commitTime(): void {
  const store = createStore({ users: keyed(users()), updatedAt: 0 });
  const ours = timePerOp((i) => {
    store.commit((draft) => {
      draft.users.set(key(i), { name: `User ${i}`, visits: -i });
    });
  }, 2_000);

  enablePatches();
  let plain = freeze({ users: users(), updatedAt: 0 }, true);
  const immer = timePerOp(
    (i) => {
      [plain] = produceWithPatches(plain, (draft) => {
        draft.users[key(i)] = { name: `User ${i}`, visits: -i };
      });
    },
    5,
    3,
  );
  report({
    name: `commit of a one-key change to a ${KEYS.toLocaleString('en')}-key state`,
    value: ours / 1e3,
    baseline: immer / 1e3,
    unit: 'µs',
    baselineName: 'Immer produceWithPatches on a plain object',
    target: 0.01,
    lowerIsBetter: true,
  });
}

function memoryPerVersion(): void {
  const heapBefore = heapAfterGc();
  const store = createStore({ users: keyed(users()), updatedAt: 0 }, { keep: WARM_UP + VERSIONS + 1 });
  const change = (i: number): void => {
    store.commit((draft) => {
      draft.users.set(key(i), { name: `User ${i}`, visits: KEYS + i });
    });
  };
  figure('store holding its initial version', (heapAfterGc() - heapBefore) / 2 ** 20, 'MiB');
  // Versions made before the measurement settle what V8 does lazily on first use (compiled
  // code, object layouts), which would otherwise be counted against the first versions.
  for (let i = 0; i < WARM_UP; i++) change(i);
  const heapStore = heapAfterGc();
  for (let i = WARM_UP; i < WARM_UP + VERSIONS; i++) change(i);
  const ours = (heapAfterGc() - heapStore) / VERSIONS;

  const state = { users: users(), updatedAt: 0 };
  const heapClonesBefore = heapAfterGc();
  const snapshots: unknown[] = [];
  for (let i = 0; i < CLONES; i++) snapshots.push(structuredClone(state));
  const clone = (heapAfterGc() - heapClonesBefore) / CLONES;
  report({
    name: `heap per retained version (${VERSIONS} versions, one key changed each)`,
    value: ours / 1024,
    baseline: clone / 1024,
    unit: 'KiB',
    baselineName: `structuredClone snapshot, measured over ${CLONES} snapshots and scaled per version`,
    target: 0.01,
    lowerIsBetter: true,
  });
  // Keep both alive until measured.
  if (store.version.version !== WARM_UP + VERSIONS || snapshots.length !== CLONES) throw new Error('unreachable');
}

commitTime();
memoryPerVersion();
