import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { Scope, sleep, isCancellation } from '../../scope/index.js';
import type { Output } from '../output.js';

/** The order saga example's entry point (examples/order-saga/demo.ts, built into dist/examples). */
interface OrderDemoModule {
  runOrderDemo(options: { store: string; fail: boolean; print: (line: string) => void }): Promise<void>;
}

/**
 * `rewind demo [order|scope]`. `order` (the default) runs the order saga example on an
 * embedded SQLite journal: one order completes, one to an address no courier serves is
 * compensated in reverse order. `scope` shows a request in a cancellation tree.
 */
export function registerDemo(program: Command, out: Output): void {
  program
    .command('demo')
    .description('run the main demo: the order saga on an embedded SQLite journal, with a failure injected')
    .argument('[which]', 'order (the saga) or scope (a cancellation tree)', 'order')
    .option('--store <url>', 'where the journal goes', 'sqlite:./rewind-demo.db')
    .option('--no-fail', 'run without the injected failure')
    .addHelpText('after', '\nExamples:\n  $ rewind demo\n  $ rewind demo --store sqlite:/tmp/demo.db\n  $ rewind demo scope --no-fail')
    .action(async (which: string, options: { fail: boolean; store: string }) => {
      if (which === 'scope') return runScopeDemo(out, options.fail);
      if (which !== 'order') throw new InvalidArgumentError({ path: 'rewind demo <which>', expected: '"order" or "scope"', got: which });
      // Resolved at run time: the example is compiled beside the CLI (dist/examples), not
      // part of the library's import graph.
      const url = new URL('../../examples/order-saga/demo.js', import.meta.url);
      const demo = (await import(url.href)) as OrderDemoModule;
      await demo.runOrderDemo({ store: options.store, fail: options.fail, print: (line) => out.line(line) });
    });
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
