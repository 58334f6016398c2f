/**
 * format-table: the look of the CLI's output, after ESA's `tophosts` and `status`: tables (text
 * left, numbers right, two spaces apart), key/value blocks, instants in ISO 8601 UTC and relative
 * times. Durations and sizes are common/format.ts, shared with the dashboard.
 */
import { formatDuration } from '../common/format.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null;
  /** Default: right for numbers, left for text. */
  align?: 'left' | 'right';
  /** Longer text is cut with "…" (last column: no padding either). */
  max?: number;
}

const cut = (s: string, max: number | undefined): string => (max !== undefined && s.length > max ? `${s.slice(0, max - 1)}…` : s);

export function formatTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = rows.map((r) =>
    columns.map((c) => {
      const v = c.value(r);
      const text = v === null ? '-' : cut(String(v).replace(/[\x00-\x1f\x7f]/g, ' '), c.max);
      return { text, right: c.align ? c.align === 'right' : v === null ? undefined : typeof v === 'number' };
    }),
  );
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.text.length)));
  // A column is numeric when every value in it is a number (a "-" for none does not count).
  const rightCol = columns.map((c, i) => {
    if (c.align) return c.align === 'right';
    const kinds = cells.map((row) => row[i]!.right).filter((k) => k !== undefined);
    return kinds.length > 0 && kinds.every(Boolean);
  });
  const line = (texts: { text: string; right: boolean | undefined }[]): string =>
    texts
      .map((t, i) => (rightCol[i] ? t.text.padStart(widths[i]!) : t.text.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const header = line(columns.map((c) => ({ text: c.header, right: undefined })));
  return [header, ...cells.map(line)].join('\n') + '\n';
}

/** "Key:   value" lines with the values aligned. */
export function formatKeyValues(pairs: readonly (readonly [string, string | number])[]): string {
  const w = Math.max(0, ...pairs.map(([k]) => k.length + 1));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(w)}  ${v}`.trimEnd()).join('\n') + '\n';
}

/** Epoch ms → "2025-03-01T12:00:00Z". */
export function formatIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "3m 20s ago" / "in 1m" / "now", relative to `now`. */
export function formatRelative(ms: number, now: number): string {
  const d = Math.round((ms - now) / 1000);
  if (d === 0) return 'now';
  return d > 0 ? `in ${formatDuration(d)}` : `${formatDuration(-d)} ago`;
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
