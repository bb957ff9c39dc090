import type { Command } from '../../src/history/index.js';

/** A tiny document whose fields commands set, with a log of what ran. */
export class Doc {
  readonly fields = new Map<string, string>();
  readonly log: string[] = [];

  get(field: string): string | undefined {
    return this.fields.get(field);
  }

  /** A command setting `field` to `to`, remembering the value it replaces. */
  set(field: string, to: string, extra: Partial<Command> = {}): Command {
    let before: string | undefined;
    return {
      label: `set ${field}=${to}`,
      execute: () => {
        before = this.fields.get(field);
        this.fields.set(field, to);
        this.log.push(`execute ${field}=${to}`);
      },
      undo: () => {
        if (before === undefined) this.fields.delete(field);
        else this.fields.set(field, before);
        this.log.push(`undo ${field}=${to}`);
      },
      ...extra,
    };
  }
}

/** A command that throws in the given phase. */
export function failing(label: string, phase: 'execute' | 'undo' | 'redo', log: string[] = []): Command {
  const run = (p: string) => () => {
    log.push(`${p} ${label}`);
    if (p === phase) throw new Error(`${label} broke in ${p}`);
  };
  return { label, execute: run('execute'), undo: run('undo'), redo: run('redo') };
}

/** A manual clock for coalescing tests. */
export function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** A promise with its resolve function, to hold an async command open. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

export function labels(steps: readonly { label: string }[]): string[] {
  return steps.map((s) => s.label);
}
