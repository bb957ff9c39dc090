import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/index.js';
import { rewind } from './helpers.js';

describe('rewind --help', () => {
  it('lists every command and the exit codes', async () => {
    const { code, stdout } = await rewind(['--help']);
    expect(code).toBe(0);
    for (const command of ['demo', 'runs', 'show', 'graph', 'cancel', 'retry', 'resolve', 'revert', 'recover']) expect(stdout).toMatch(new RegExp(`\\n {2}${command} `));
    expect(stdout).toContain('\nExit codes:\n  0  ok\n');
    expect(stdout).toContain('\n  7  unsettled: ');
  });

  it('gives every command a description, the global options and examples', async () => {
    const commands = createProgram({ output: { line: () => undefined, error: () => undefined } }).commands.map((c) => c.name());
    expect(commands.length).toBeGreaterThanOrEqual(9);
    for (const command of commands) {
      const { code, stdout } = await rewind([command, '--help']);
      expect([command, code]).toEqual([command, 0]);
      expect(stdout).toMatch(new RegExp(`^Usage: rewind ${command} `));
      expect(stdout).toContain('\nGlobal Options:\n  --store <url>');
      expect(stdout).toMatch(/\nExamples:\n {2}\$ rewind /);
    }
  });
});
