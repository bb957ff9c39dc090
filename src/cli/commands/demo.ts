import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { openEngine, type SagaDefinition } from '../../saga/index.js';
import { Scope, sleep, isCancellation } from '../../scope/index.js';
import { CommandContext, type CliDeps } from '../context.js';
import { examples } from '../options.js';
import type { Output } from '../output.js';
import { renderRun } from '../render/run.js';

/** The parts of the order saga example used (examples/order-saga, built into dist/examples). */
interface OrderSagaModule {
  readonly placeOrder: (services: unknown) => SagaDefinition;
}
interface ServicesModule {
  readonly createServices: () => { readonly log: readonly { readonly key: string; readonly line: string }[] };
}

/** Where the demo's journal goes unless `--store` says otherwise; never `REWIND_STORE`, which may be a real store. */
const DEMO_STORE = 'sqlite:./rewind-demo.db';

/**
 * `rewind demo [order|scope]`. `order` (the default) runs the order saga example on an
 * embedded SQLite journal: one order completes, one to an address no courier serves is
 * compensated in reverse order; each run is printed as `rewind show` prints it. `scope`
 * shows a request in a cancellation tree.
 */
export function registerDemo(program: Command, deps: CliDeps): void {
  program
    .command('demo')
    .description('run the main demo: the order saga on an embedded SQLite journal, with a failure injected')
    .argument('[which]', 'order (the saga) or scope (a cancellation tree)', 'order')
    .option('--no-fail', 'run without the injected failure')
    .addHelpText('after', `\nThe journal goes to ${DEMO_STORE} unless --store names another (created if missing).${examples('rewind demo', 'rewind demo --store sqlite:/tmp/demo.db', 'rewind demo scope --no-fail')}`)
    .action(async (which: string, options: { fail: boolean }, command: Command) => {
      const ctx = new CommandContext(deps, command);
      if (which === 'scope') return runScopeDemo(ctx.out, options.fail);
      if (which !== 'order') throw new InvalidArgumentError({ path: 'rewind demo <which>', expected: '"order" or "scope"', got: which });
      await runOrderDemo(ctx.out, ctx.storeFlag ?? DEMO_STORE, options.fail);
    });
}

async function runOrderDemo(out: Output, store: string, fail: boolean): Promise<void> {
  // Resolved at run time: the example is compiled beside the CLI (dist/examples), not part
  // of the library's import graph.
  const { placeOrder } = (await import(new URL('../../examples/order-saga/saga.js', import.meta.url).href)) as OrderSagaModule;
  const { createServices } = (await import(new URL('../../examples/order-saga/services.js', import.meta.url).href)) as ServicesModule;
  const services = createServices();
  const definition = placeOrder(services);
  const engine = await openEngine({ store, sagas: [definition] });
  try {
    const stamp = Date.now().toString(36);
    const orders = [
      { id: `order-${stamp}-1`, address: '1 Main St' },
      ...(fail ? [{ id: `order-${stamp}-2`, address: '7 Coral Way, Atlantis' }] : []),
    ];
    for (const order of orders) {
      const run = await engine.start(definition, { items: ['book', 'lamp'], coupon: 'WELCOME10', address: order.address }, { id: order.id });
      const outcome = await run.result({ timeout: '30s' });
      out.line(`\nrun ${order.id} to ${order.address}: ${outcome.status}\n`);
      for (const line of renderRun(out, await engine.get(order.id))) out.line(line === '' ? '' : `  ${line}`);
      out.line('\n  the services saw:');
      for (const { key, line } of services.log) if (key.startsWith(`${order.id}:`)) out.line(`    ${line}`);
    }
    out.line(`\nLook again with: rewind runs --store ${store}   and   rewind show ${orders.at(-1)?.id ?? ''} --store ${store}`);
  } finally {
    await engine.close();
  }
}

async function runScopeDemo(out: Output, fail: boolean): Promise<void> {
  const started = Date.now();
  const log = (line: string): void => out.line(`${String(Date.now() - started).padStart(5)} ms  ${line}`);
  const root = Scope.root({ name: 'server' });
  try {
    await root.run(
      async (req) => {
        log(`request scope "${req.path}" opened, deadline ${req.deadline?.toISOString() ?? 'none'}`);
        req.defer(() => log('cleanup: release the database connection'));
        req.defer(() => log('cleanup: close the response stream'));
        req.go(async (s) => {
          log('task "prices" started');
          try {
            await sleep(2000, { signal: s.signal });
            log('task "prices" finished');
          } catch (error) {
            log(`task "prices" stopped: ${(error as Error).message}`);
            throw error;
          }
        }, { name: 'prices' });
        req.go(async (s) => {
          log('task "stock" started');
          await sleep(150, { signal: s.signal });
          if (fail) {
            log('task "stock" failed: stock service answered 503');
            throw new Error('stock service answered 503');
          }
          log('task "stock" finished');
        }, { name: 'stock' });
        req.defer(() =>
          req.shield(async (s) => {
            await sleep(50, { signal: s.signal });
            log('shielded compensation: refund the held payment (finished despite the cancel)');
          }, { timeout: '1s' }),
        );
        await req.wait();
      },
      { name: 'request', timeout: '5s' },
    );
    log('request completed');
  } catch (error) {
    log(`request failed: ${(error as Error).message}${isCancellation(error) ? ' (canceled)' : ''}`);
  } finally {
    await root.close();
  }
}
