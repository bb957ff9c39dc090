/**
 * Where commands write, and how: stdout and stderr in the binary, buffers in tests. Colour
 * and in-place redraws are capabilities of the output, decided once, so that commands never
 * look at `process` themselves.
 *
 * @module
 */

/** Where commands write: stdout and stderr in the binary, buffers in tests. */
export interface Output {
  /** Writes a line of results to stdout. */
  line(text: string): void;
  /** Writes a line of diagnostics (errors, progress) to stderr. */
  error(text: string): void;
  /**
   * Whether results may carry ANSI colour: stdout is a terminal and `NO_COLOR` is not set.
   * @default false
   */
  readonly color?: boolean | undefined;
  /**
   * Redraws the one status line on stderr in place (a progress bar); only given when stderr
   * is a terminal. Without it, progress is written as plain lines.
   */
  readonly status?: ((text: string) => void) | undefined;
}

/**
 * Whether colour is allowed by the environment: not when `NO_COLOR` is set to anything
 * non-empty (https://no-color.org), nor for a dumb terminal.
 */
export function colorAllowed(env: Readonly<Record<string, string | undefined>>): boolean {
  return !env['NO_COLOR'] && env['TERM'] !== 'dumb';
}

/** The process's own streams, with colour and redraws only where they are terminals. */
export function processOutput(): Output {
  const stderrTty = process.stderr.isTTY;
  let drawn = false;
  // A reader that went away (`rewind runs | head`) is not an error of the command: what is
  // left to print is dropped and the command ends as it would have.
  let stdoutGone = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stdoutGone = true;
  });
  // A status line still on screen is ended before anything else goes to either stream,
  // so that a result line never starts in the middle of a progress bar.
  const settle = (): void => {
    if (!drawn) return;
    drawn = false;
    process.stderr.write('\n');
  };
  return {
    line: (text) => {
      settle();
      if (!stdoutGone) process.stdout.write(`${text}\n`);
    },
    error: (text) => {
      settle();
      process.stderr.write(`${text}\n`);
    },
    color: process.stdout.isTTY && colorAllowed(process.env),
    status: stderrTty
      ? (text) => {
          drawn = true;
          process.stderr.write(`\r\x1b[2K${text}`);
        }
      : undefined,
  };
}

/** The output `output` with colour turned off (`--no-color`, `--json`). */
export function withoutColor(output: Output): Output {
  if (!output.color) return output;
  return { line: (t) => output.line(t), error: (t) => output.error(t), color: false, status: output.status };
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;

/** A colour (or bold) that {@link paint} applies. */
export type Paint = keyof typeof CODES;

/** `text` in colour `paint` when `output` allows colour, as is otherwise. */
export function paint(output: Output, paint: Paint, text: string): string {
  return output.color ? `\x1b[${CODES[paint]}m${text}\x1b[0m` : text;
}

/** The colour each run, step or check status is shown in. */
export function statusPaint(status: string): Paint {
  if (status === 'completed' || status === 'succeeded' || status === 'confirmed' || status === 'clean' || status === 'ok') return 'green';
  if (status.startsWith('compensat')) return status.endsWith('failed') ? 'red' : 'yellow';
  if (status === 'stuck' || status.endsWith('failed') || status === 'violation' || status === 'remaining' || status === 'error') return 'red';
  return 'cyan';
}

/** The visible width of `text`, ignoring ANSI colour codes. */
export function visibleWidth(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
