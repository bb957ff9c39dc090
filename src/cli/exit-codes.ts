/**
 * The exit codes of `rewind`, one per class of error. `runCli` (run.ts) maps errors to them;
 * `interrupted` alone comes from a signal instead (interrupt.ts).
 *
 * @module
 */

/**
 * The exit codes, by what went wrong.
 *
 * - `ok` (0): done.
 * - `unexpected` (1): an error Rewind does not classify: a bug, or one thrown by your config or saga code.
 * - `usage` (2): a bad command line, option, argument or config module; nothing was written.
 * - `notFound` (3): the run, saga, module or export named does not exist.
 * - `conflict` (4): the run's status does not allow it (e.g. cancel a completed run), or its journal cannot be trusted.
 * - `storeUnavailable` (5): the store cannot be opened or read (missing file, locked, driver missing, newer schema, damaged).
 * - `violation` (6): `rewind check` found a case that breaks a saga guarantee, or `--auto-verify` found effects still there.
 * - `unsettled` (7): the request was recorded, but the run did not settle as asked before `--timeout` (or ended stuck); it goes on when an engine resumes it. Also `rewind check` stopped by Ctrl-C before its last case, with no violation so far.
 * - `interrupted` (130, 128 + SIGINT as shells count it): a second Ctrl-C (SIGINT or SIGTERM) stopped `rewind recover` (or a request command waiting for its run, or `rewind check`) at once, while it was closing its engine. A first one ends the wait with the report and `unsettled`.
 */
export const EXIT_CODES = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  storeUnavailable: 5,
  violation: 6,
  unsettled: 7,
  interrupted: 130,
} as const;

/** One of the values of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The table of exit codes for `rewind --help` (the README has the same). */
export const EXIT_CODES_HELP = `
Exit codes:
  0  ok
  1  unexpected error (a bug, or thrown by your config or saga code)
  2  usage: bad command line, option or config module; nothing was written
  3  not found: no such run, saga, module or export
  4  conflict: the run's status does not allow it, or its journal cannot be trusted
  5  store unavailable: cannot open or read the store
  6  violation: rewind check found a broken case, or --auto-verify found effects left
  7  unsettled: recorded, but the run did not settle as asked before --timeout (or Ctrl-C);
     or rewind check stopped by Ctrl-C before its last case
130  interrupted: a second Ctrl-C stopped rewind at once while it closed its engine`;
