/**
 * The `rewind` command-line tool, as a commander program that tests drive in-process.
 *
 * @module
 */
import { Command } from 'commander';
import { registerDemo } from './commands/demo.js';
import { processOutput, type Output } from './output.js';

export type { Output } from './output.js';

/** What the program writes to; tests pass buffers. */
export interface ProgramDeps {
  /** @default the process's stdout and stderr */
  readonly output?: Output | undefined;
}

/**
 * Builds the `rewind` program. Commands throw typed errors; the binary's single handler
 * turns them into a one-line message and an exit code.
 */
export function createProgram(deps: ProgramDeps = {}): Command {
  const out = deps.output ?? processOutput;
  const program = new Command('rewind')
    .description('Inspect, revert and prove what your services started.')
    .configureOutput({ writeOut: (s) => out.line(s.trimEnd()), writeErr: (s) => out.error(s.trimEnd()) });
  registerDemo(program, out);
  return program;
}
