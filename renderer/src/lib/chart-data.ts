/**
 * chart-data: the core's history as uPlot column data (x in seconds): queue depth and
 * delivery rate per minute, and one host's up/down periods as two step series over a window.
 */
import type { HistoryResult } from '../../../common/contract.js';
import { timelineSegments } from './timeline.js';

type Samples = HistoryResult['samples'];
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

export function queueDepth(samples: Samples): Columns {
  return [samples.map((s) => sec(s.at)), samples.map((s) => s.queued)];
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
