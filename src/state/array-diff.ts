/**
 * Splice-shaped differences between two arrays, so that removing or inserting one element of
 * a 10,000-element array is one patch operation, not one `replace` per shifted index (Immer's
 * own patches do the latter: immerjs/immer#642).
 *
 * Elements are compared by identity, which is exact for committed states: Immer keeps every
 * untouched element the very same object. A common prefix and suffix are trimmed first (one
 * splice needs nothing more); what remains is compared with Myers' O((N+M)D) algorithm, so
 * several separate edits stay separate hunks. Past {@link MAX_EDITS} edits the middle becomes
 * one hunk: still correct, as long as a positional diff of that range, and the search stays
 * bounded at O((N+M) * MAX_EDITS) time and O(MAX_EDITS²) memory.
 *
 * @module
 */

/** A range of the old array replaced by a range of the new one. Ends are exclusive. */
export interface Hunk {
  readonly oldStart: number;
  readonly oldEnd: number;
  readonly newStart: number;
  readonly newEnd: number;
}

/** Beyond this many single-element edits, Myers' search gives way to one positional hunk. */
export const MAX_EDITS = 512;

/** The hunks that turn `a` into `b`, in order; empty when the arrays hold the same elements. */
export function arrayHunks(a: readonly unknown[], b: readonly unknown[]): Hunk[] {
  let start = 0;
  const shorter = Math.min(a.length, b.length);
  while (start < shorter && a[start] === b[start]) start++;
  let aEnd = a.length;
  let bEnd = b.length;
  while (aEnd > start && bEnd > start && a[aEnd - 1] === b[bEnd - 1]) {
    aEnd--;
    bEnd--;
  }
  if (aEnd === start && bEnd === start) return [];
  const whole: Hunk = { oldStart: start, oldEnd: aEnd, newStart: start, newEnd: bEnd };
  if (aEnd === start || bEnd === start) return [whole];
  return myers(a, b, start, aEnd, bEnd) ?? [whole];
}

/**
 * Myers' greedy shortest edit script over `a[start, aEnd)` and `b[start, bEnd)`, returned as
 * hunks; `undefined` past {@link MAX_EDITS}. Each round's frontier is kept (O(D²) numbers) to
 * walk the path back.
 */
function myers(
  a: readonly unknown[],
  b: readonly unknown[],
  start: number,
  aEnd: number,
  bEnd: number,
): Hunk[] | undefined {
  const n = aEnd - start;
  const m = bEnd - start;
  const limit = Math.min(n + m, MAX_EDITS);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
      let x = down ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[start + x] === b[start + y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, n, m, start);
    }
  }
  return undefined;
}

/** Walks the edit path back from (n, m), merging adjacent edits into hunks. */
function backtrack(trace: readonly Int32Array[], n: number, m: number, start: number): Hunk[] {
  const hunks: Hunk[] = [];
  let open: { oldStart: number; oldEnd: number; newStart: number; newEnd: number } | undefined;
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    // trace[d] is the frontier after round d - 1, stored for diagonals -d..d.
    const before = trace[d] as Int32Array;
    const at = (k: number): number => before[k + d] as number;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    const editX = down ? prevX : prevX + 1;
    const editY = down ? prevY + 1 : prevY;
    if (open !== undefined && open.oldStart === start + editX && open.newStart === start + editY) {
      open.oldStart = start + prevX;
      open.newStart = start + prevY;
    } else {
      if (open !== undefined) hunks.push(open);
      open = { oldStart: start + prevX, oldEnd: start + editX, newStart: start + prevY, newEnd: start + editY };
    }
    x = prevX;
    y = prevY;
  }
  if (open !== undefined) hunks.push(open);
  return hunks.reverse();
}
