// The exit codes are the README's contract with scripts. Each row is a real instance of an
// error class a command can meet, with the code the README's table gives its kind: an
// entry dropped from the mapping would otherwise fall through to 1 without a word.
import { writeFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  CliNotFoundError,
  CliUsageError,
  ConfigError,
  exitCodeOf,
  NoStoreError,
  StoreFileMissingError,
  UnsettledError,
  ViolationError,
} from '../../src/cli/index.js';
import {
  EngineClosedError,
  InvalidArgumentError,
  JournalConflictError,
  JournalCorruptError,
  RunConflictError,
  RunNotFoundError,
  RunStatusError,
  SagaDefinitionError,
  SagaJournalInconsistentError,
  SagaVersionNotRegisteredError,
  StateVersionNotFoundError,
  StoreClosedError,
  StoreDriverMissingError,
  StoreFormatError,
  StoreSchemaVersionError,
  StoreUnavailableError,
  StoreUnsupportedError,
} from '../../src/index.js';
import { openStore } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/index.js';
import { withRawDatabase } from '../store/helpers.js';
import { rewind, useTempDir } from './helpers.js';

const tmp = useTempDir('exit-codes');

const url = 'sqlite:/srv/rewind.db';

/** Every kind of error the README's exit-code table names, with the code it gives. */
const TABLE: readonly (readonly [kind: string, code: number, error: unknown])[] = [
  ['ok: help was printed', 0, new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)')],
  ['unexpected: thrown by config or saga code', 1, new Error('the bank exploded')],
  ['unexpected: a Rewind error no command expects', 1, new EngineClosedError({ operation: 'cancel a run' })],
  ['usage: a bad flag', 2, new CommanderError(1, 'commander.unknownOption', "error: unknown option '--frobnicate'")],
  ['usage: a bad argument', 2, new InvalidArgumentError({ path: '--timeout', expected: 'a duration such as 250 or "2s"', got: 'soon' })],
  ['usage: flags that do not fit together', 2, new CliUsageError({ problem: '--compensated and --retry were both given', fix: 'Give one.' })],
  ['usage: no store named', 2, new NoStoreError()],
  ['usage: a bad config module', 2, new ConfigError({ file: 'rewind.config.mjs', problem: 'it exports no sagas', fix: 'Export sagas.' })],
  ['usage: a bad saga in the config', 2, new SagaDefinitionError({ saga: 'transfer', path: 'saga "transfer" step "debit" retry.attempts', expected: 'an integer >= 1', got: -1 })],
  ['not found: no such run', 3, new RunNotFoundError({ runId: 'order-42', operation: 'show' })],
  ['not found: no such saga version', 3, new SagaVersionNotRegisteredError({ saga: 'transfer', version: 3, registered: [2] })],
  ['not found: no such state version', 3, new StateVersionNotFoundError({ requested: 9, oldest: 1, oldestAt: new Date(0), newest: 5, keep: 5 })],
  ['not found: no such module or export', 3, new CliNotFoundError({ what: 'Export "careless" of sagas.ts', known: ['careful'], fix: 'Name an export.' })],
  ["conflict: the run's status does not allow it", 4, new RunStatusError({ runId: 'order-42', operation: 'cancel', status: 'completed', reason: 'the run has ended' })],
  ['conflict: the id belongs to a run of another saga', 4, new RunConflictError({ runId: 'order-42', saga: 'transfer', existingSaga: 'hold' })],
  ['conflict: the journal cannot be trusted', 4, new SagaJournalInconsistentError({ runId: 'order-42', seq: 7, reason: 'step-succeeded for step "pay" attempt 2, which was never started' })],
  ['conflict: another writer appended first', 4, new JournalConflictError({ url, stream: 'saga:order-42', expectedSeq: 6, actualSeq: 7 })],
  ['store unavailable: missing SQLite file', 5, new StoreFileMissingError({ path: '/srv/rewind.db', from: `--store ${url}` })],
  ['store unavailable: driver missing', 5, new StoreDriverMissingError({ driver: 'pg', reason: 'missing', command: 'npm install pg' })],
  ['store unavailable: newer schema', 5, new StoreSchemaVersionError({ url, found: SCHEMA_VERSION + 1, supported: SCHEMA_VERSION })],
  ['store unavailable: not a journal', 5, new StoreFormatError({ url, problem: 'it is not a SQLite database' })],
  ['store unavailable: a damaged record', 5, new JournalCorruptError({ url, stream: 'saga:order-42', seq: 3, problem: 'its checksum does not match' })],
  ['store unavailable: server down or locked', 5, new StoreUnavailableError({ url, operation: 'open', retryable: true, driverCode: 'SQLITE_BUSY' })],
  ['store unavailable: closed under the command', 5, new StoreClosedError({ url, operation: 'read' })],
  ['store unavailable: an ability the store lacks', 5, new StoreUnsupportedError({ url, feature: 'Leases and work entries', instead: 'Use a postgres:// store.' })],
  ['violation: rewind check found a broken case', 6, new ViolationError({ summary: '1 violation(s)' })],
  ['unsettled: recorded, but the run did not settle', 7, new UnsettledError({ summary: 'Run "order-42" did not come to compensated', fix: 'Run rewind recover.' })],
];

describe('exit codes', () => {
  it.each(TABLE)('%s exits %i', (_kind, code, error) => {
    expect(exitCodeOf(error)).toBe(code);
  });

  it('rewind runs exits 5 with one line on stderr for a journal of a newer schema, and for a file that is not a journal', async () => {
    const newer = tmp.path('newer.db');
    await (await openStore(`sqlite:${newer}`)).close();
    withRawDatabase(newer, (db) => {
      db.prepare('INSERT INTO rewind_schema (version, name, applied_at) VALUES (?, ?, ?)').run(SCHEMA_VERSION + 1, 'from a newer rewind', Date.now());
    });
    const foreign = tmp.path('notes.txt');
    writeFileSync(foreign, 'remember the milk\n');

    const fromNewer = await rewind(['runs', '--store', `sqlite:${newer}`]);
    expect(fromNewer.code).toBe(5);
    expect(fromNewer.stderr).toBe(`rewind: ${new StoreSchemaVersionError({ url: `sqlite:${newer}`, found: SCHEMA_VERSION + 1, supported: SCHEMA_VERSION }).message}`);
    const fromForeign = await rewind(['runs', '--store', `sqlite:${foreign}`]);
    expect(fromForeign.code).toBe(5);
    expect(fromForeign.stderr).toMatch(/^rewind: Refusing to open sqlite:\/.+notes\.txt: [^\n]+$/);
  });
});
