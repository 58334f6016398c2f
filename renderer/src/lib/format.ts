/**
 * format: the dashboard's relative times ("5m ago", "in 40s"), local clock times and counts, on the
 * durations the CLI prints too (common/format.ts). `now` is always passed in: a view shows the same
 * thing for the same instant, and tests need no fake timers.
 */
import { formatDuration } from '../../../common/format.js';

export { formatDuration };
export { errorInWords, errorWords } from '../../../common/error-words.js';

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
