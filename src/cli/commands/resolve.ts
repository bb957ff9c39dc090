import { Option, type Command } from 'commander';
import type { Resolution } from '../../saga/index.js';
import { CommandContext, type CliDeps } from '../context.js';
import { defaultOperator, drive } from '../drive.js';
import { CliUsageError } from '../errors.js';
import { examples, parseDuration } from '../options.js';

interface ResolveCommandOptions {
  readonly step: string;
  readonly compensated?: boolean | undefined;
  readonly confirmed?: boolean | undefined;
  readonly retry?: boolean | undefined;
  readonly reason: string;
  readonly by?: string | undefined;
  readonly timeout: number;
  readonly wait: boolean;
  readonly json?: boolean | undefined;
}

const ACTIONS = ['compensated', 'confirmed', 'retry'] as const satisfies readonly Resolution[];

/**
 * `rewind resolve <runId> --step <name> --compensated|--confirmed|--retry --reason <text>`:
 * `engine.resolve()`: records what an operator did about a stuck run, then the run is
 * carried on here.
 */
export function registerResolve(program: Command, deps: CliDeps): void {
  program
    .command('resolve')
    .description('resolve a stuck run: record that its stuck step was compensated (or confirmed) by hand, or retry it')
    .argument('<runId>', 'the stuck run')
    .requiredOption('--step <name>', 'the stuck step (rewind show names it)')
    .addOption(new Option('--compensated', 'the stuck compensation was done by hand; compensation goes on').conflicts(['confirmed', 'retry']))
    .addOption(new Option('--confirmed', 'the stuck TCC confirmation was done by hand; confirming goes on').conflicts(['compensated', 'retry']))
    .addOption(new Option('--retry', 'try the stuck compensation or confirmation again, with a fresh retry budget').conflicts(['compensated', 'confirmed']))
    .requiredOption('--reason <text>', 'why, for the journal: what you checked or did')
    .option('--by <name>', 'who resolves it, for the journal (default: $REWIND_OPERATOR, else $USER)')
    .option('--timeout <duration>', 'how long to carry the run on until it settles', parseDuration, 30_000)
    .option('--no-wait', 'record the resolution only; the run goes on when an engine with its saga resumes it')
    .option('--json', 'print the run state after, as JSON')
    .addHelpText('after', examples(
      'rewind resolve order-42 --step charge --compensated --reason "refunded by hand in the PSP console" --config rewind.config.mjs',
      'rewind resolve order-42 --step coupon --retry --reason "coupon service redeployed" --by ops@example.com',
    ))
    .action(async (runId: string, options: ResolveCommandOptions, command: Command) => {
      const action = ACTIONS.find((a) => options[a] === true);
      if (action === undefined) {
        throw new CliUsageError({ problem: 'rewind resolve needs what was done', fix: 'Pass one of --compensated, --confirmed or --retry.' });
      }
      const ctx = new CommandContext(deps, command, options);
      const by = options.by ?? defaultOperator(deps.env);
      await drive(ctx, {
        runId,
        describe: () => `step "${options.step}" of run ${runId} resolved as ${action}${by === undefined ? '' : ` by ${by}`}: ${options.reason}`,
        make: (engine) => engine.resolve(runId, { step: options.step, action, reason: options.reason, by }),
        expect: (before) => [action === 'confirmed' || before.stuck?.phase === 'confirm' ? 'completed' : 'compensated'],
      }, options);
    });
}
