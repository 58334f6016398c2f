/**
 * format: durations and byte sizes as the CLI and the dashboard both print
 * them — "3m 20s" (two adjacent units at most) and IEC sizes ("1.5 MiB":
 * powers of 1024, so KiB/MiB, never KB). Pure: no clock, no locale.
 */

const UNITS: readonly { s: number; label: string }[] = [
  { s: 86_400, label: 'd' },
  { s: 3_600, label: 'h' },
  { s: 60, label: 'm' },
  { s: 1, label: 's' },
];

/** 200 → "3m 20s", 7500 → "2h 5m", 90061 → "1d 1h"; whole seconds, rounded down; "—" for no number. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  let left = Math.max(0, Math.floor(seconds));
  if (left === 0) return '0s';
  const parts: string[] = [];
  for (const u of UNITS) {
    const n = Math.floor(left / u.s);
    left -= n * u.s;
    if (n > 0) parts.push(`${n}${u.label}`);
    else if (parts.length > 0) break; // "1h", never "1h 0m 9s" nor "1h 9s"
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** 512 → "512 B", 1536 → "1.5 KiB", 26214400 → "25 MiB": one decimal below 10. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const shown = i === 0 || v >= 10 ? Math.round(v).toString() : v.toFixed(1);
  return `${shown} ${BYTE_UNITS[i]}`;
}

/**
 * What a Down host's recipients wait for, in words: "waiting for Exchange
 * (checked every 5s, last check 2s ago)". Replaces a countdown: the
 * office's server is checked on a fixed cadence and mail goes the moment it answers.
 */
export function waitingForHost(
  h: { host: string; name: string | null; probeEverySeconds: number | null; lastProbeAt: number | null },
  nowMs: number,
): string {
  const every = h.probeEverySeconds === null ? '' : `checked every ${probeCadence(h.probeEverySeconds)}`;
  const last = h.lastProbeAt === null ? '' : `last check ${formatDuration(Math.max(0, nowMs - h.lastProbeAt) / 1000)} ago`;
  const detail = [every, last].filter(Boolean).join(', ');
  return `waiting for ${h.name ?? h.host}${detail ? ` (${detail})` : ''}`;
}

/** A probe cadence: "5s", "0.5s" (sub-second cadences stay exact), "2m". */
export function probeCadence(seconds: number): string {
  return seconds < 60 ? `${seconds}s` : formatDuration(seconds);
}
