/**
 * Small text helpers shared by the renderers: aligned tables, times, durations, one-line
 * values.
 *
 * @module
 */
import { paint, visibleWidth, type Output } from '../output.js';

/**
 * The lines of a table: a header row, then `rows`, columns padded to their widest cell
 * (colour codes do not count). The last column is not padded, so no line ends in spaces.
 */
export function table(out: Output, headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((header, i) => Math.max(visibleWidth(header), ...rows.map((row) => visibleWidth(row[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleWidth(cell)))).join('  ').trimEnd();
  return [paint(out, 'bold', line(headers)), ...rows.map(line)];
}

/** A time as `2025-05-01 10:00:03Z`: UTC, to the second, the same on every machine. */
export function formatTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** A duration in the largest units that keep it short: `12 ms`, `1.5 s`, `3m 05s`, `2h 03m`, `4d 01h`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const two = (n: number): string => String(Math.floor(n)).padStart(2, '0');
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m ${two((ms % 60_000) / 1000)}s`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)}h ${two((ms % 3_600_000) / 60_000)}m`;
  return `${Math.floor(ms / 86_400_000)}d ${two((ms % 86_400_000) / 3_600_000)}h`;
}

/** `value` as compact JSON on one line, cut to `max` characters. */
export function oneLine(value: unknown, max = 100): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? 'undefined';
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
