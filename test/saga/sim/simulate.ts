import { SimulatedEngine, type Weather } from './engine-loop.js';
import { rng } from './prng.js';
import { randomSaga } from './random-saga.js';

/** Runs one seed's random saga to the end and returns the engine, with the seed in any error. */
export function simulate(seed: number, weather?: Weather): SimulatedEngine {
  const r = rng(seed);
  const engine = new SimulatedEngine(randomSaga(r), r, weather);
  try {
    engine.runToEnd();
  } catch (error) {
    throw new Error(`seed ${seed}: ${(error as Error).message}`, { cause: error });
  }
  return engine;
}
