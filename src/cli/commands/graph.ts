import { Option, type Command } from 'commander';
import { sagaNamed } from '../config.js';
import { CommandContext, type CliDeps } from '../context.js';
import { examples, parsePositiveInt } from '../options.js';
import { GRAPH_FORMATS, renderGraph, type GraphFormat } from '../render/graph.js';

/**
 * `rewind graph <saga>`: the saga's DAG, read from its definition in the config (a journal
 * records which steps ran, not how they depend on each other).
 */
export function registerGraph(program: Command, deps: CliDeps): void {
  program
    .command('graph')
    .description("print a saga's DAG as Mermaid or Graphviz DOT (needs the definition from --config)")
    .argument('<saga>', 'the saga name, as the config defines it')
    .addOption(new Option('--format <format>', 'mermaid or dot').choices(GRAPH_FORMATS).default('mermaid'))
    .option('--saga-version <n>', 'this version of the saga (default: the highest in the config)', parsePositiveInt)
    .addHelpText('after', examples(
      'rewind graph place-order --config rewind.config.mjs',
      'rewind graph place-order --format dot | dot -Tsvg > place-order.svg',
    ))
    .action(async (name: string, options: { format: GraphFormat; sagaVersion?: number }, command: Command) => {
      const ctx = new CommandContext(deps, command);
      const definition = sagaNamed(await ctx.config(), name, options.sagaVersion);
      for (const line of renderGraph(definition, options.format)) ctx.out.line(line);
    });
}
