import { describe, expect, it } from 'vitest';
import { deliveryTotals, depthSummary, periodsIn, queueDepth } from '../../../renderer/src/lib/chart-data.js';
import { timeTicks } from '../../../renderer/src/lib/format.js';

describe('chart data from history samples', () => {
  const samples = [
    { at: 0, queued: 0, queuedMax: 0, delivered: 0, bounced: 0 },
    { at: 5_000, queued: 12, queuedMax: 20, delivered: 1, bounced: 0 },
    { at: 10_000, queued: 0, queuedMax: 12, delivered: 19, bounced: 2 },
  ];

  it('draws the most queued in each interval and holds the last depth to the window end', () => {
    expect(queueDepth(samples, 30_000)).toEqual([
      [0, 5, 10, 30],
      [0, 20, 12, 0],
    ]);
    // Samples from an older relay have no queuedMax: the depth itself.
    expect(queueDepth([{ at: 60_000, queued: 4, delivered: 0, bounced: 0 }])).toEqual([[60], [4]]);
  });

  it('sums up the window in numbers for the text summary', () => {
    expect(depthSummary(samples)).toEqual({ now: 0, peak: 20, peakAt: 5_000 });
    expect(depthSummary([])).toEqual({ now: 0, peak: 0, peakAt: null });
    expect(deliveryTotals(samples)).toEqual({ delivered: 20, bounced: 2 });
  });

  it('lists periods inside the window, the open one without an end', () => {
    const periods = [
      { status: 'up' as const, from: 0, to: 50_000, reason: null },
      { status: 'down' as const, from: 50_000, to: 110_000, reason: 'refused' },
      { status: 'up' as const, from: 110_000, to: null, reason: 'probe' },
    ];
    expect(periodsIn(periods, 60_000, 200_000)).toEqual([
      { status: 'down', from: 60_000, to: 110_000, reason: 'refused' },
      { status: 'up', from: 110_000, to: null, reason: 'probe' },
    ]);
  });

  it('labels time ticks in local 24-hour time, with the date at midnight', () => {
    const t = new Date(2026, 11, 4, 14, 5).getTime() / 1000;
    const midnight = new Date(2026, 11, 5, 0, 0).getTime() / 1000;
    expect(timeTicks([t, midnight])).toEqual(['14:05', '00:00\n5 Dec']);
  });
});
