import { describe, expect, it } from 'vitest';
import { deliveryRate, queueDepth, upDown } from '../../../renderer/src/lib/chart-data.js';
import { timelineSegments } from '../../../renderer/src/lib/timeline.js';

const H = 3600_000;

describe('timeline segments', () => {
  it('clips periods to the window and runs an open period to its end', () => {
    const segs = timelineSegments(
      [
        { status: 'up', from: -5 * H, to: 2 * H, reason: null },
        { status: 'down', from: 2 * H, to: 3 * H, reason: 'connect ECONNREFUSED' },
        { status: 'up', from: 3 * H, to: null, reason: 'probe' },
      ],
      0,
      4 * H,
    );
    expect(segs.map((s) => [s.status, s.left, s.width])).toEqual([
      ['up', 0, 0.5],
      ['down', 0.5, 0.25],
      ['up', 0.75, 0.25],
    ]);
    expect(segs[1]!.reason).toBe('connect ECONNREFUSED');
  });

  it('shows the time before the first period as no data', () => {
    const segs = timelineSegments([{ status: 'down', from: 3 * H, to: null, reason: null }], 0, 4 * H);
    expect(segs.map((s) => s.status)).toEqual(['none', 'down']);
    expect(timelineSegments([], 0, 4 * H)).toEqual([{ status: 'none', from: 0, to: 4 * H, left: 0, width: 1, reason: null }]);
  });

  it('drops periods outside the window', () => {
    const segs = timelineSegments([{ status: 'down', from: -3 * H, to: -2 * H, reason: null }, { status: 'up', from: -2 * H, to: null, reason: null }], 0, H);
    expect(segs.map((s) => s.status)).toEqual(['up']);
  });
});

describe('chart columns', () => {
  const samples = [
    { at: 60_000, queued: 4, delivered: 10, bounced: 0 },
    { at: 120_000, queued: 7, delivered: 2, bounced: 1 },
  ];

  it('turns samples into uPlot columns with x in seconds', () => {
    expect(queueDepth(samples)).toEqual([[60, 120], [4, 7]]);
    expect(deliveryRate(samples)).toEqual([[60, 120], [10, 2], [0, 1]]);
  });

  it('turns periods into up and down step series ending at the window end', () => {
    const cols = upDown(
      [
        { status: 'up', from: 0, to: 60_000, reason: null },
        { status: 'down', from: 60_000, to: null, reason: null },
      ],
      0,
      180_000,
    );
    expect(cols).toEqual([[0, 60, 180], [1, 0, 0], [0, 1, 1]]);
  });
});
