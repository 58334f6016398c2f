/**
 * timeline: up/down periods clipped to a time window, as fractions of its width, for the
 * per-host timeline bar (an open period runs to now; the gap before the first is "no data").
 */
import type { HistoryResult } from '../../../common/contract.js';

type Period = HistoryResult['hosts'][number]['periods'][number];

export interface Segment {
  status: 'up' | 'down' | 'none';
  from: number;
  to: number;
  /** 0–1 from the window's start. */
  left: number;
  /** 0–1 of the window's width. */
  width: number;
  reason: string | null;
}

export function timelineSegments(periods: readonly Period[], from: number, to: number): Segment[] {
  const span = to - from;
  if (span <= 0) return [];
  const out: Segment[] = [];
  const sorted = [...periods].sort((a, b) => a.from - b.from);
  const push = (status: Segment['status'], a: number, b: number, reason: string | null): void => {
    const s = Math.max(a, from);
    const e = Math.min(b, to);
    if (e <= s) return;
    out.push({ status, from: s, to: e, left: (s - from) / span, width: (e - s) / span, reason });
  };
  const first = sorted[0];
  if (!first || first.from > from) push('none', from, first?.from ?? to, null);
  for (const p of sorted) push(p.status, p.from, p.to ?? to, p.reason);
  return out;
}
