/** Where commands write: stdout and stderr in the binary, buffers in tests. */
export interface Output {
  line(text: string): void;
  error(text: string): void;
}

/** The process's own streams. */
export const processOutput: Output = {
  line: (text) => void process.stdout.write(`${text}\n`),
  error: (text) => void process.stderr.write(`${text}\n`),
};
