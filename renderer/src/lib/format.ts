/**
 * format: the dashboard's one time format (local 24 h clock, UTC in the tooltip: components/Time.svelte
 * is the only place that shows an instant), relative times ("5m ago", "in 40s") and counts, on the
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

/** Full local timestamp: "2026-12-04 14:03:22". */
export function formatTimestamp(atMs: number): string {
  const d = new Date(atMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The same instant in UTC, as the mail log and the CLI write it (ISO 8601): "2026-12-04 13:03:22 UTC". */
export function formatUtc(atMs: number): string {
  return `${new Date(atMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The tooltip of every time on the page: the full local time, then UTC. */
export function timeTitle(atMs: number): string {
  return `${formatTimestamp(atMs)} local · ${formatUtc(atMs)}`;
}

/** A span for a tooltip: "14:03:22 – 14:05:00 local (13:03:22 – 13:05:00 UTC)", dates shown when not today. */
export function formatSpan(fromMs: number, toMs: number, nowMs: number): string {
  const utc = (ms: number): string => formatUtc(ms).slice(new Date(ms).toISOString().slice(0, 10) === new Date(nowMs).toISOString().slice(0, 10) ? 11 : 0, 19);
  return `${formatClock(fromMs, nowMs)} – ${formatClock(toMs, nowMs)} local (${utc(fromMs)} – ${utc(toMs)} UTC)`;
}

/** The ISO UTC stamp a mail-log line starts with ("2026-12-04T13:03:22.120Z Info: …"), split off. */
export function splitLogStamp(line: string): { at: number; rest: string } | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z) /.exec(line);
  if (!m) return null;
  const at = Date.parse(m[1]!);
  return Number.isFinite(at) ? { at, rest: line.slice(m[0].length) } : null;
}

/**
 * A mail-log line's text with the ISO UTC instants it names ("down since
 * 2026-12-04T07:51:02Z") split out, so the Log view shows them in the one
 * format too; the file and the CLI keep ISO UTC, as ESA writes it.
 */
export function splitIsoInstants(text: string): (string | { at: number })[] {
  const out: (string | { at: number })[] = [];
  const re = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const at = Date.parse(m[0]);
    if (!Number.isFinite(at)) continue;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push({ at });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
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

/** Time-axis tick labels in local 24-hour time, with the date at midnight ("00:00\n4 Dec"). */
export function timeTicks(secs: readonly number[]): string[] {
  return secs.map((t) => {
    const d = new Date(t * 1000);
    const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
    return d.getHours() === 0 && d.getMinutes() === 0 ? `${hm}\n${d.getDate()} ${d.toLocaleString('en', { month: 'short' })}` : hm;
  });
}
