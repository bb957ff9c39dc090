#!/usr/bin/env node
import { runCli } from './run.js';

/** Resolves once everything written to `stream` so far has left the process, or the stream has failed. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  // Writes are done in order, so the callback of an empty one runs after all before it.
  return new Promise((resolve) => stream.write('', () => resolve()));
}

process.exitCode = await runCli(process.argv.slice(2));
// The command is over, so the process is too: without an explicit exit, anything it left
// running (a step that ignored its abort signal when a Ctrl-C closed the engine, a timer,
// a socket) would keep it alive after its report, until a second Ctrl-C. Only once the
// output is out, though: writes to a pipe are asynchronous, and exiting with some still
// queued would cut the output short.
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit();
