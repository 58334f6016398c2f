/**
 * format: numbers and times as the dashboard shows them.
 *
 * Owns: durations ("3m 20s", the same style as the CLI's tables), relative
 * times ("5m ago", "in 40s"), clock times, byte sizes and counts. Pure
 * functions of their arguments: `now` is always passed in, so a view shows
 * the same thing for the same instant and tests need no fake timers.
 * Does not own: SMTP error wording (smtp-words.ts).
 * Raises: nothing.
 */

export { errorInWords, errorWords } from './smtp-words.js';

const UNITS: { s: number; label: string }[] = [
  { s: 86_400, label: 'd' },
  { s: 3_600, label: 'h' },
  { s: 60, label: 'm' },
  { s: 1, label: 's' },
];

/** 200 → "3m 20s", 7500 → "2h 5m", 90061 → "1d 1h"; two units at most, zero units dropped. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  let left = Math.max(0, Math.floor(seconds));
  if (left === 0) return '0s';
  const parts: string[] = [];
  for (const u of UNITS) {
    const n = Math.floor(left / u.s);
    left -= n * u.s;
    if (n > 0) parts.push(`${n}${u.label}`);
    else if (parts.length > 0) break; // "2h 5m", never "2h 0m 9s"
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/** A past instant relative to now: "just now", "40s ago", "3m 20s ago". */
export function formatAgo(atMs: number, nowMs: number): string {
  const s = (nowMs - atMs) / 1000;
  if (s < 5) return 'just now';
  return `${formatDuration(s)} ago`;
}

/** A future instant relative to now: "in 3m 20s", or "now" once it is due. */
export function formatCountdown(atMs: number, nowMs: number): string {
  const s = Math.ceil((atMs - nowMs) / 1000);
  if (s <= 0) return 'now';
  return `in ${formatDuration(s)}`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local clock time; the date is added when it is not today. "14:03:22" / "2025-03-01 14:03". */
export function formatClock(atMs: number, nowMs: number): string {
  const d = new Date(atMs);
  const n = new Date(nowMs);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const sameDay = d.getFullYear() === n.getFullYear() && d.getMonth() === n.getMonth() && d.getDate() === n.getDate();
  if (sameDay) return `${time}:${pad(d.getSeconds())}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** Full local timestamp for tooltips. */
export function formatTimestamp(atMs: number): string {
  const d = new Date(atMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** 1536 → "1.5 KB"; powers of 1024, one decimal below 10. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const shown = i === 0 || v >= 10 ? Math.round(v).toString() : v.toFixed(1);
  return `${shown} ${units[i]}`;
}

/** 12345 → "12,345" (grouping by threes with a comma, the same in every locale so columns line up). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const s = Math.round(Math.abs(n)).toString();
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${grouped}` : grouped;
}

/** "1 message" / "3 messages". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
