/**
 * chart-data: the core's history as uPlot column data (x in seconds): queue depth and
 * delivery rate, one host's up/down periods as two step series over a window, and the
 * same in numbers for the text summary beside each chart (screen readers, tests).
 */
import type { HistoryResult } from '../../../common/contract.js';
import { timelineSegments } from './timeline.js';
import { formatClock } from './format.js';

type Samples = HistoryResult['samples'];
type Sample = Samples[number];
type Periods = HistoryResult['hosts'][number]['periods'];
export type Columns = [number[], ...(number | null)[][]];

/** Theme colours read from the page's CSS variables. */
export interface ChartColors {
  text: string;
  grid: string;
  accent: string;
  up: string;
  down: string;
}

const sec = (ms: number): number => Math.floor(ms / 1000);

/** The most queued during a sample's interval: a spike between two samples still shows. */
const peakOf = (s: Sample): number => Math.max(s.queuedMax ?? s.queued, s.queued);

/** Step points of the depth; `endMs` (the window's end) holds the last depth to there, so one sample still draws. */
export function queueDepth(samples: Samples, endMs?: number): Columns {
  const xs = samples.map((s) => sec(s.at));
  const ys = samples.map(peakOf);
  const last = samples.at(-1);
  if (last && endMs !== undefined && sec(endMs) > sec(last.at)) {
    xs.push(sec(endMs));
    ys.push(last.queued);
  }
  return [xs, ys];
}

/** The hover readout's time (uPlot draws on a canvas: no Time.svelte there), in the one format. */
export function hoverTime(secs: number | null | undefined, nowMs: number): string {
  return secs == null ? '--' : formatClock(secs * 1000, nowMs);
}

/** Samples from `fromMs` on (the window a chart shows). */
export function since(samples: Samples, fromMs: number): Samples {
  return samples.filter((s) => s.at >= fromMs);
}

/** Queue depth in numbers: now, the most, and when the most first happened. */
export function depthSummary(samples: Samples): { now: number; peak: number; peakAt: number | null } {
  let peak = 0;
  let peakAt: number | null = null;
  for (const s of samples) {
    if (peakOf(s) > peak) {
      peak = peakOf(s);
      peakAt = s.at;
    }
  }
  return { now: samples.at(-1)?.queued ?? 0, peak, peakAt };
}

export function deliveryTotals(samples: Samples): { delivered: number; bounced: number } {
  let delivered = 0;
  let bounced = 0;
  for (const s of samples) {
    delivered += s.delivered;
    bounced += s.bounced;
  }
  return { delivered, bounced };
}

/** Up and down periods inside the window, oldest first ("no data" before the first left out). */
export function periodsIn(periods: Periods, fromMs: number, toMs: number): { status: 'up' | 'down'; from: number; to: number | null; reason: string | null }[] {
  return timelineSegments(periods, fromMs, toMs)
    .filter((s) => s.status !== 'none')
    .map((s) => ({ status: s.status as 'up' | 'down', from: s.from, to: s.to >= toMs ? null : s.to, reason: s.reason }));
}

export function deliveryRate(samples: Samples): Columns {
  return [samples.map((s) => sec(s.at)), samples.map((s) => s.delivered), samples.map((s) => s.bounced)];
}

/** Step points for one host: each segment start, plus the window's end. */
export function upDown(periods: Periods, fromMs: number, toMs: number): Columns {
  const segs = timelineSegments(periods, fromMs, toMs).filter((s) => s.status !== 'none');
  const xs: number[] = [];
  const up: number[] = [];
  const down: number[] = [];
  for (const s of segs) {
    xs.push(sec(s.from));
    up.push(s.status === 'up' ? 1 : 0);
    down.push(s.status === 'down' ? 1 : 0);
  }
  const last = segs.at(-1);
  if (last) {
    xs.push(sec(toMs));
    up.push(last.status === 'up' ? 1 : 0);
    down.push(last.status === 'down' ? 1 : 0);
  }
  return [xs, up, down];
}
