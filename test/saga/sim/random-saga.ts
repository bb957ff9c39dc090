// Random saga definitions: DAGs of plain and TCC steps with random ordering, retry budgets
// and missing compensations. The functions are never called: the simulated engine decides
// outcomes itself.
import { saga, type SagaDefinition } from '../../../src/saga/index.js';
import type { Rng } from './prng.js';

/** The builder seen without its type tracking, for definitions whose names are random. */
interface LooseSaga extends SagaDefinition {
  step(name: string, spec: object): LooseSaga;
  tcc(name: string, spec: object): LooseSaga;
}

const noop = (): Promise<undefined> => Promise.resolve(undefined);

/** A definition of 1 to `maxSteps` steps; about a quarter are TCC steps. */
export function randomSaga(r: Rng, maxSteps = 7): SagaDefinition {
  let built = saga('sim', { version: r.int(1, 3) }) as unknown as LooseSaga;
  const names: string[] = [];
  const count = r.int(1, maxSteps);
  for (let i = 0; i < count; i++) {
    const name = `s${i}`;
    const common = {
      ...randomAfter(r, names),
      retry: { attempts: r.int(1, 3), backoff: { initial: r.int(0, 200), max: 1_000 } },
      compensationRetry: { attempts: r.int(1, 3), backoff: { initial: r.int(0, 200), max: 1_000 } },
    };
    built = r.chance(0.25)
      ? built.tcc(name, { ...common, try: noop, confirm: noop, cancel: noop })
      : built.step(name, { ...common, run: noop, ...(r.chance(0.8) ? { compensate: noop } : {}) });
    names.push(name);
  }
  return built;
}

/** No `after` (the previous step), `after: []` (a root), or a random set of earlier steps. */
function randomAfter(r: Rng, earlier: readonly string[]): { after?: string[] } {
  const roll = r.next();
  if (roll < 0.4 || earlier.length === 0) return {};
  if (roll < 0.55) return { after: [] };
  return { after: earlier.filter(() => r.chance(0.4)) };
}
