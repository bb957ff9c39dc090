import type { Command } from 'commander';
import { RunStatusError } from '../../saga/index.js';
import { CommandContext, type CliDeps } from '../context.js';
import { defaultOperator, drive } from '../drive.js';
import { examples, parseDuration } from '../options.js';

interface RetryOptions {
  readonly reason: string;
  readonly by?: string | undefined;
  readonly timeout: number;
  readonly wait: boolean;
  readonly json?: boolean | undefined;
}

/**
 * `rewind retry <runId>`: for a stuck run, `engine.resolve()` of its stuck step with action
 * `retry`: the stuck compensation (or TCC confirmation) is tried again with a fresh retry
 * budget, and the run is carried on here. Only a stuck run can be retried: a failed step
 * of a running run already retries on its own, and a run that ended is final.
 */
export function registerRetry(program: Command, deps: CliDeps): void {
  program
    .command('retry')
    .description("retry a stuck run: its stuck compensation (or confirmation) is tried again with a fresh retry budget")
    .argument('<runId>', 'the stuck run')
    .option('--reason <text>', 'why, for the journal (what was fixed)', 'retried with rewind retry')
    .option('--by <name>', 'who retries it, for the journal (default: $REWIND_OPERATOR, else $USER)')
    .option('--timeout <duration>', 'how long to carry the run on until it settles', parseDuration, 30_000)
    .option('--no-wait', 'record the resolution only; the run goes on when an engine with its saga resumes it')
    .option('--json', 'print the run state after, as JSON')
    .addHelpText('after', examples(
      'rewind retry order-42 --reason "payment service is back" --config rewind.config.mjs',
    ))
    .action(async (runId: string, options: RetryOptions, command: Command) => {
      const ctx = new CommandContext(deps, command, options);
      const by = options.by ?? defaultOperator(deps.env);
      await drive(ctx, {
        runId,
        describe: (before) => `retry of ${before.stuck?.phase ?? 'step'} "${before.stuck?.step ?? '?'}" of run ${runId}: ${options.reason}`,
        make: (engine, before) => {
          if (before.stuck === undefined) {
            throw new RunStatusError({ runId, operation: 'retry', status: before.status, reason: 'only a stuck run can be retried (rewind runs --status stuck lists them)' });
          }
          return engine.resolve(runId, { step: before.stuck.step, action: 'retry', reason: options.reason, by });
        },
        expect: (before) => [before.stuck?.phase === 'confirm' ? 'completed' : 'compensated'],
      }, options);
    });
}
