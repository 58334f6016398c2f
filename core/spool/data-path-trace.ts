/**
 * data-path-trace: an opt-in wall-clock trace of the time between a message's
 * final dot and its 250 (issue 16): high-resolution marks per MID, written with
 * per-segment medians and 99th percentiles to RELAYWATCH_TRACE_FILE at exit.
 * Off (one boolean test per mark) unless that variable is set; for bench/ only.
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** The marks in data-path order; a segment is the time from one to the next. */
export const TRACE_MARKS = ['dot', 'contentEnd', 'fileWritten', 'fileSynced', 'renamed', 'dirSyncStart', 'dirSyncEnd', 'durable', 'queued', 'replied'] as const;
export type TraceMark = (typeof TRACE_MARKS)[number];

const file = process.env.RELAYWATCH_TRACE_FILE;
export const tracing = file !== undefined && file !== '';
const records = new Map<number, Partial<Record<TraceMark, number>>>();
/** Bounded: a long run keeps the first this many messages. */
const MAX_RECORDS = 200_000;

/** Notes that `mid` reached `name` now (the first time only). */
export function traceMark(mid: number, name: TraceMark, at = performance.now()): void {
  if (!tracing) return;
  let r = records.get(mid);
  if (!r) {
    if (records.size >= MAX_RECORDS) return;
    records.set(mid, (r = {}));
  }
  r[name] ??= at;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
}

/** Per segment (and "total", dot to replied) over complete records: n, p50, p99 in ms. */
export function traceSummary(): Record<string, { n: number; p50: number; p99: number }> {
  const segs: Record<string, number[]> = {};
  for (const r of records.values()) {
    if (r.dot === undefined || r.replied === undefined) continue;
    let prev: [TraceMark, number] | undefined;
    for (const m of TRACE_MARKS) {
      const t = r[m];
      if (t === undefined) continue;
      if (prev) (segs[`${prev[0]}→${m}`] ??= []).push(t - prev[1]);
      prev = [m, t];
    }
    (segs.total ??= []).push(r.replied - r.dot);
  }
  const out: Record<string, { n: number; p50: number; p99: number }> = {};
  for (const [k, v] of Object.entries(segs)) {
    v.sort((a, b) => a - b);
    out[k] = { n: v.length, p50: +quantile(v, 0.5).toFixed(3), p99: +quantile(v, 0.99).toFixed(3) };
  }
  return out;
}

if (tracing) {
  process.once('exit', () => {
    writeFileSync(file as string, JSON.stringify(traceSummary(), null, 1) + '\n');
  });
}
