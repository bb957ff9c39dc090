import type { Command } from 'commander';
import { Scope, sleep, isCancellation } from '../../scope/index.js';
import type { Output } from '../output.js';

/**
 * `rewind demo`: a request handled in a cancellation tree. Two lookups run concurrently
 * under a deadline; one fails, the other is canceled at once, cleanups run in reverse, and
 * a shielded compensation still finishes. Every line printed is an event as it happened.
 */
export function registerDemo(program: Command, out: Output): void {
  program
    .command('demo')
    .description('run the main demo: a request in a cancellation tree, with a failure injected')
    .option('--no-fail', 'run without the injected failure')
    .addHelpText('after', '\nExamples:\n  $ rewind demo\n  $ rewind demo --no-fail')
    .action(async (options: { fail: boolean }) => {
      await runScopeDemo(out, options.fail);
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
