import { describe, expect, it } from 'vitest';
import { CONFIG, rewind } from './helpers.js';

describe('rewind graph', () => {
  it("prints the saga's DAG from its definition as Mermaid, marking steps with nothing to compensate", async () => {
    const { code, stdout } = await rewind(['graph', 'transfer', '--config', CONFIG]);
    expect(code).toBe(0);
    expect(stdout.split('\n')).toEqual([
      'flowchart TD',
      '  %% saga transfer v2',
      '  s0["reserve"]',
      '  s1["debit"]',
      '  s2["credit"]',
      '  s3["notify<br/>no compensation"]',
      '  s0 --> s1',
      '  s0 --> s2',
      '  s1 --> s3',
      '  s2 --> s3',
      '  classDef noCompensation stroke-dasharray: 5 5',
      '  class s3 noCompensation',
    ]);
  });

  it('prints Graphviz DOT with --format dot', async () => {
    const { code, stdout } = await rewind(['graph', 'hold', '--config', CONFIG, '--format', 'dot']);
    expect(code).toBe(0);
    expect(stdout).toBe([
      'digraph "hold v1" {',
      '  rankdir=TB;',
      '  node [shape=box];',
      '  "book" [label="book"];',
      '  "confirm" [label="confirm"];',
      '  "book" -> "confirm";',
      '}',
    ].join('\n'));
  });

  it('exits 3 naming the sagas the config has when the saga is not there, and 2 for an unknown format', async () => {
    const missing = await rewind(['graph', 'refund', '--config', CONFIG]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe(`rewind: Saga "refund" was not found (known: transfer v2, hold v1, audit v1). Add it to sagas in ${CONFIG}.`);
    const format = await rewind(['graph', 'transfer', '--config', CONFIG, '--format', 'svg']);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/^rewind: option '--format <format>' argument 'svg' is invalid\. Allowed choices are mermaid, dot\.$/);
  });

  it('needs a config: without one it says how to give it', async () => {
    const { code, stderr } = await rewind(['graph', 'transfer'], { cwd: '/' });
    expect(code).toBe(3);
    expect(stderr).toBe('rewind: Saga "transfer" was not found (there are none). Name a config module exporting the saga with --config (or put rewind.config.mjs in the current directory).');
  });
});
