import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../../src/saga/index.js';
import { EXIT_CODES } from '../../src/cli/index.js';
import { rewind, useTempDir } from './helpers.js';
import { rewindInChild, until } from './signals.js';

const tmp = useTempDir('check');
const MODULE = 'test/fixtures/cli/check-sagas.ts';

describe('rewind check', () => {
  it('prints every case of a sound saga as a matrix and exits 0', async () => {
    const input = JSON.stringify({ ledger: tmp.path('sound.json') });
    const { code, stdout, stderr } = await rewind(['check', `${MODULE}#sound`, '--input', input]);
    expect(stderr.split('\n')[0]).toBe('checking sound v1: case 1 happy ok');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^check of saga sound v1: \d+ case\(s\), 0 violation\(s\)$/);
    expect(lines[1]).toMatch(/^ {2}CASE +STATUS +RESULT$/);
    expect(lines[2]).toMatch(/^ {2}happy +completed +ok$/);
    expect(stdout).toMatch(/\n {2}fail-step:debit +compensated +ok\n/);
    expect(stdout).toMatch(/\n {2}crash-append:happy:1 +completed +ok\n/);
  });

  it('exits 0 for a saga whose crash cases compensate by design, marking them and printing the notes', async () => {
    const input = JSON.stringify({ ledger: tmp.path('terse.json') });
    const { code, stdout } = await rewind(['check', `${MODULE}#terse`, '--input', input]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\n {2}crash-append:happy:\d+ +compensated +ok, see note\n/);
    expect(stdout).toMatch(/\nnote on crash-append:happy:\d+: .+\n {2}- the crash interrupted attempt 1 of the run of step "(reserve|debit)", its last: .+ so the run compensated\./);
  });

  it('exits 6 naming each broken case, what broke, and the command that replays it', async () => {
    const input = JSON.stringify({ ledger: tmp.path('careless.json') });
    const { code, stdout, stderr } = await rewind(['check', `${MODULE}#careless`, '--input', input, '--json']);
    expect(code).toBe(6);
    const report = JSON.parse(stdout) as CheckReport;
    const broken = report.cases.filter((c) => c.violations.length > 0).map((c) => c.id);
    expect(broken).toContain('fail-compensation:charge');
    expect(report.violations).toBeGreaterThan(0);
    expect(stderr).toBe(`rewind: ${broken.length} case(s) of saga "careless" broke a guarantee: ${broken.join(', ')}. `
      + `Replay one with rewind check ${MODULE}#careless --input '${input}' --case ${broken[0]}`);

    const replay = await rewind(['check', `${MODULE}#careless`, '--input', input, '--case', 'fail-compensation:charge']);
    expect(replay.code).toBe(6);
    expect(replay.stdout).toMatch(/^check of saga careless v1: 1 case\(s\), \d+ violation\(s\)\n/);
    expect(replay.stdout).toMatch(/\nviolation in fail-compensation:charge: .+\n {2}- .*nothing to refund/);
    expect(replay.stdout).toContain(`\n  replay: rewind check ${MODULE}#careless --input '${input}' --case fail-compensation:charge`);
  });

  it('stops after the case running on Ctrl-C, prints the cases so far and exits 7', async () => {
    const input = JSON.stringify({ ledger: tmp.path('stopped.json') });
    const { child, out, exited } = rewindInChild(['check', `${MODULE}#sound`, '--input', input], process.cwd());
    await until('the second case to end', () => out.stderr.includes(': case 2 '));
    child.kill('SIGINT');
    expect(await exited).toBe(EXIT_CODES.unsettled);
    const ran = Number(/^check of saga sound v1: (\d+) case\(s\), 0 violation\(s\), stopped before the last case\n/.exec(out.stdout)?.[1]);
    expect(ran).toBeGreaterThanOrEqual(2);
    const full = await rewind(['check', `${MODULE}#sound`, '--input', JSON.stringify({ ledger: tmp.path('full.json') }), '--json']);
    expect(ran).toBeLessThan((JSON.parse(full.stdout) as CheckReport).cases.length);
    expect(out.stdout.split('\n').filter((line) => /^ {2}\S+ +\S+ +ok$/.test(line))).toHaveLength(ran);
    expect(out.stderr).toContain('rewind: SIGINT: stopping after the case running now. Press Ctrl-C again to stop at once.\n');
    expect(out.stderr).toMatch(new RegExp(`rewind: SIGINT stopped the check of saga "sound" after ${ran} case\\(s\\), with no violation among them\\. Run rewind check \\S+#sound --input '.+' again for the rest\\n$`));
  });

  it('refuses what is not a saga definition (exit 2), a missing export or module (exit 3) and an unknown case (exit 2)', async () => {
    const factory = await rewind(['check', `${MODULE}#makeCareless`]);
    expect([factory.code, factory.stderr]).toEqual([2, `rewind: Export "makeCareless" of ${MODULE} is a function, not a saga definition. Export the definition saga() built (for a factory, export one built with test doubles).`]);
    const missing = await rewind(['check', `${MODULE}#nope`]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^rewind: Export "nope" of test\/fixtures\/cli\/check-sagas\.ts was not found \(known: .*careless.*\)\. Name the export/);
    expect((await rewind(['check', 'no/such/module.ts#x'])).code).toBe(3);
    const badCase = await rewind(['check', `${MODULE}#careless`, '--case', 'explode', '--input', '{"ledger":"/tmp/x"}']);
    expect(badCase.code).toBe(2);
    const badInput = await rewind(['check', `${MODULE}#careless`, '--input', '{oops']);
    expect(badInput.code).toBe(2);
    expect(badInput.stderr).toMatch(/^rewind: option '--input <json>' argument '\{oops' is invalid\. expected JSON: /);
  });
});
