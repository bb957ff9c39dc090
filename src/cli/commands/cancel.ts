import type { Command } from 'commander';
import { CommandContext, type CliDeps } from '../context.js';
import { drive } from '../drive.js';
import { examples, parseDuration } from '../options.js';

interface CancelOptions {
  readonly reason: string;
  readonly timeout: number;
  readonly wait: boolean;
  readonly json?: boolean | undefined;
}

/**
 * `rewind cancel <runId>`: `engine.cancel()`, then the run is carried on here until it has
 * compensated. A run that already committed (its TCC confirmations started) finishes
 * instead; the request is recorded only, and the command exits 7.
 */
export function registerCancel(program: Command, deps: CliDeps): void {
  program
    .command('cancel')
    .description('cancel a running run: every step it started is compensated, in reverse order')
    .argument('<runId>', 'the run')
    .option('--reason <text>', 'why, for the journal', 'canceled with rewind cancel')
    .option('--timeout <duration>', 'how long to carry the run on until it has compensated', parseDuration, 30_000)
    .option('--no-wait', 'record the request only; the run compensates when an engine with its saga resumes it')
    .option('--json', 'print the run state after, as JSON')
    .addHelpText('after', examples(
      'rewind cancel order-42 --reason "customer left" --config rewind.config.mjs',
      'rewind cancel order-42 --no-wait --store sqlite:./rewind.db',
    ))
    .action(async (runId: string, options: CancelOptions, command: Command) => {
      const ctx = new CommandContext(deps, command, options);
      await drive(ctx, {
        runId,
        describe: () => `cancel requested for run ${runId}: ${options.reason}`,
        make: (engine) => engine.cancel(runId, options.reason),
        expect: () => ['compensated'],
      }, options);
    });
}
