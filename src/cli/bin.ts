#!/usr/bin/env node
import { CommanderError } from 'commander';
import { createProgram } from './index.js';

try {
  await createProgram().exitOverride().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`rewind: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
