import type { Command } from 'commander';
import { CommandContext, type CliDeps } from '../context.js';
import { examples } from '../options.js';
import { renderRun } from '../render/run.js';

/**
 * `rewind show <runId>`: one run's state as `SagaInspector.get()` reduces it from the
 * journal: header, steps, operator actions and timeline; `--json` prints the state itself.
 * On a store that workers share, also which worker drives the run (`SagaInspector.work()`).
 */
export function registerShow(program: Command, deps: CliDeps): void {
  program
    .command('show')
    .description("show a run: its steps, attempts, durations, errors, compensations, who resolved what and why, and its timeline")
    .argument('<runId>', 'the run')
    .option('--json', 'print the run state as JSON (RunState: steps, timeline, times in epoch ms; on PostgreSQL also work: which worker drives it, RunWork)')
    .addHelpText('after', examples('rewind show order-42 --store sqlite:./rewind.db', 'rewind show order-42 --json | jq .steps'))
    .action(async (runId: string, options: { json?: boolean }, command: Command) => {
      const ctx = new CommandContext(deps, command, options);
      const { state, work } = await ctx.withInspector(async (inspector) => ({ state: await inspector.get(runId), work: await inspector.work(runId) }));
      if (options.json === true) ctx.out.line(JSON.stringify(work === undefined ? state : { ...state, work }, null, 2));
      else for (const line of renderRun(ctx.out, state, work)) ctx.out.line(line);
    });
}
