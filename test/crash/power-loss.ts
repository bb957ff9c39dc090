/**
 * A power loss, played on files a process wrote under the recorder of
 * `fixtures/power-loss.c`: after the process is killed, every change no completed sync
 * covered is rolled back, newest first, so the files are as a machine that lost power at
 * that moment could find them. Optionally some of those changes are then put back (`keep`):
 * a disk may have written any of them before the power went.
 *
 * The model, stricter than Linux file systems are:
 * - a write or truncate is kept only if an fsync/fdatasync of its file began after it and
 *   returned;
 * - a file a call created is kept only if an fsync of its folder began after that and
 *   returned (POSIX asks for it; ext4 happens to keep it sooner);
 * - SQLite's -shm files are removed (they are rebuilt on open).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'power-loss.c');

/** The recorder compiled into `outDir`, or why it could not be (no C compiler, not Linux). */
export function buildRecorder(outDir: string): { library: string } | { unavailable: string } {
  if (process.platform !== 'linux') return { unavailable: `LD_PRELOAD recording needs Linux, not ${process.platform}` };
  mkdirSync(outDir, { recursive: true });
  const library = join(outDir, 'power-loss.so');
  try {
    execFileSync('cc', ['-shared', '-fPIC', '-O2', '-Wall', '-Werror', '-o', library, SOURCE, '-ldl', '-lpthread'], { stdio: 'pipe' });
  } catch (error) {
    return { unavailable: `cc could not build the recorder: ${String((error as { stderr?: unknown }).stderr ?? error)}` };
  }
  return { library };
}

/** The environment that records, in `log`, the changes a child makes under `dir`. */
export function recordingEnv(library: string, dir: string, log: string): NodeJS.ProcessEnv {
  return { ...process.env, LD_PRELOAD: library, POWER_LOSS_DIR: dir, POWER_LOSS_LOG: log };
}

type Entry =
  | { kind: 'W'; path: string; offset: number; length: number; sizeBefore: number; old: Buffer; written: Buffer }
  | { kind: 'T'; path: string; sizeBefore: number; sizeAfter: number; cut: Buffer }
  | { kind: 'C'; path: string }
  | { kind: 'B' | 'E'; path: string; id: number; ns: bigint };

/** A sync the recorder saw complete. */
export interface CompletedSync {
  readonly path: string;
  /** When it began, in `process.hrtime.bigint()` time. */
  readonly beganNs: bigint;
}

/** What a power loss did. */
export interface PowerLoss {
  /** Changes rolled back (writes, truncates, files removed). */
  readonly lost: number;
  /** Writes that no sync covered but `keep` put back. */
  readonly kept: number;
  /** The syncs that completed, in order. */
  readonly syncs: readonly CompletedSync[];
}

function parse(log: string): Entry[] {
  const bytes = readFileSync(log);
  const entries: Entry[] = [];
  let at = 0;
  const u64 = (): number => {
    const n = Number(bytes.readBigUInt64LE(at));
    at += 8;
    return n;
  };
  const take = (n: number): Buffer => {
    const slice = bytes.subarray(at, at + n);
    at += n;
    return slice;
  };
  while (at < bytes.length) {
    const kind = String.fromCharCode(bytes[at]!);
    const pathLength = bytes.readUInt32LE(at + 1);
    at += 5;
    const path = take(pathLength).toString('utf8');
    if (kind === 'W') {
      const [offset, length, sizeBefore, oldLength] = [u64(), u64(), u64(), u64()];
      entries.push({ kind, path, offset, length, sizeBefore, old: take(oldLength), written: take(length) });
    } else if (kind === 'T') {
      const [sizeBefore, sizeAfter, cutLength] = [u64(), u64(), u64()];
      entries.push({ kind, path, sizeBefore, sizeAfter, cut: take(cutLength) });
    } else if (kind === 'C') {
      entries.push({ kind, path });
    } else if (kind === 'B' || kind === 'E') {
      const id = u64();
      entries.push({ kind, path, id, ns: bytes.readBigUInt64LE((at += 8) - 8) });
    } else {
      throw new Error(`power-loss log ${log}: unknown entry kind ${JSON.stringify(kind)} at byte ${at - 5 - pathLength}`);
    }
  }
  return entries;
}

/** Writes `data` at `offset` of the open file `fd`, whole. */
function writeAt(fd: number, data: Buffer, offset: number): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done, offset + done);
}

/**
 * Rolls back, in the files under `dir`, what the process recorded in `log` did after its
 * last completed sync of each, then puts back the unsynced writes `keep` chooses (in their
 * order; writes to files whose creation was lost stay lost).
 */
export function losePower(log: string, dir: string, keep: (index: number) => boolean = () => false): PowerLoss {
  const entries = parse(log);
  const completed = new Set(entries.filter((e) => e.kind === 'E').map((e) => (e as { id: number }).id));
  // The index of the last completed sync's beginning, per path.
  const lastSync = new Map<string, number>();
  const syncs: CompletedSync[] = [];
  entries.forEach((e, i) => {
    if (e.kind === 'B' && completed.has(e.id)) {
      lastSync.set(e.path, i);
      syncs.push({ path: e.path, beganNs: e.ns });
    }
  });
  const durable = (e: Entry, i: number): boolean => i < (lastSync.get(e.kind === 'C' ? dirname(e.path) : e.path) ?? -1);

  const fds = new Map<string, number>();
  const fdOf = (path: string): number | undefined => {
    if (!fds.has(path) && existsSync(path)) fds.set(path, openSync(path, 'r+'));
    return fds.get(path);
  };
  let lost = 0;
  try {
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i]!;
      if ((e.kind !== 'W' && e.kind !== 'T' && e.kind !== 'C') || durable(e, i)) continue;
      lost++;
      if (e.kind === 'C') {
        const fd = fds.get(e.path);
        if (fd !== undefined) closeSync(fd);
        fds.delete(e.path);
        rmSync(e.path, { force: true });
        continue;
      }
      const fd = fdOf(e.path);
      if (fd === undefined) continue;
      if (e.kind === 'W') {
        writeAt(fd, e.old, e.offset);
        if (e.offset + e.length > e.sizeBefore) ftruncateSync(fd, e.sizeBefore);
      } else {
        ftruncateSync(fd, e.sizeBefore);
        writeAt(fd, e.cut, e.sizeAfter);
      }
    }
    let kept = 0;
    entries.forEach((e, i) => {
      if (e.kind !== 'W' || durable(e, i) || !keep(i)) return;
      const fd = fdOf(e.path);
      if (fd === undefined) return;
      writeAt(fd, e.written, e.offset);
      kept++;
    });
    for (const name of readdirSync(dir)) if (name.endsWith('-shm')) rmSync(join(dir, name));
    return { lost, kept, syncs };
  } finally {
    for (const fd of fds.values()) closeSync(fd);
  }
}
