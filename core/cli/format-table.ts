/**
 * format-table: the look of the CLI's human output, after ESA's `tophosts`
 * and `showrecipients`: column headers, left-aligned text, right-aligned
 * numbers, two spaces between columns; key/value blocks as in ESA `status`;
 * durations as "3m 20s" and instants as ISO 8601 (UTC).
 * Does not own: which columns a command shows (commands/).
 * Raises: nothing.
 */

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

/** 200 → "3m 20s"; 90061 → "1d 1h"; only the two largest units. */
export function formatDuration(seconds: number): string {
  let s = Math.max(0, Math.round(seconds));
  const units: [string, number][] = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  for (const [u, n] of units) {
    if (s >= n || (u === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(s / n)}${u}`);
      s %= n;
    }
    if (parts.length === 2) break;
    if (parts.length === 1 && s === 0) break;
  }
  return parts.join(' ');
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

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
