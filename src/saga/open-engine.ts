/**
 * `openEngine()`: from options to an engine that has resumed its runs.
 *
 * @module
 */
import { openStore } from '../store/index.js';
import { SagaEngine } from './engine.js';
import { resolveEngineOptions, type OpenEngineOptions } from './engine-options.js';
import { SagaRegistry } from './registry.js';
import { workerOptionsRefused } from './worker/worker-options.js';

/**
 * Opens a saga engine on a journal and resumes every unfinished run whose saga version is
 * registered (pass definitions in `sagas`, or `register()` them after: their runs resume then),
 * unless `recover: false`.
 *
 * @example
 * ```ts
 * const engine = await openEngine({ store: 'sqlite:./rewind.db', sagas: [placeOrder] });
 * const run = await engine.start(placeOrder, { orderId: '42' }, { id: 'order-42', deadline: '15m' });
 * const outcome = await run.result({ timeout: '8s' });
 * await engine.close();
 * ```
 *
 * @throws {@link InvalidArgumentError} when an option or a definition is not valid, or `worker`
 * options are given for a store without coordination (the store is closed again).
 * @throws the store's errors when `store` is a URL that cannot be opened (`StoreFormatError`, ...).
 */
export async function openEngine(options: OpenEngineOptions): Promise<SagaEngine> {
  const resolved = resolveEngineOptions(options);
  const registry = new SagaRegistry();
  for (const definition of resolved.sagas) registry.add(definition);
  const owned = typeof resolved.store === 'string';
  const journal = typeof resolved.store === 'string'
    ? await openStore(resolved.store, resolved.durability === undefined ? {} : { durability: resolved.durability })
    : resolved.store;
  if (resolved.worker !== undefined && journal.coordination === undefined) {
    if (owned) await journal.close();
    throw workerOptionsRefused(journal.url, options.worker);
  }
  const engine = new SagaEngine(journal, owned, resolved, registry);
  try {
    if (resolved.recover) await engine.recover();
  } catch (error) {
    await engine.close();
    throw error;
  }
  return engine;
}
