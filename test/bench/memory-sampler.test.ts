import { describe, expect, it } from 'vitest';
import { median, sampleOver, summarize } from '../../bench/memory-sampler.js';

describe('memory-sampler', () => {
  it('takes the middle value, or the mean of the two middle ones, whatever the order', () => {
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 30, 20])).toBe(25);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('is not moved by one collection-sized outlier the way a single sample is', () => {
    // 29 samples around 100 MB and one taken just before V8 collected.
    const mb = [...Array.from({ length: 29 }, (_, i) => 100 + (i % 3)), 190];
    expect(summarize(mb)).toEqual({ median: 101, min: 100, max: 190, samples: 30 });
  });

  it('samples at once, then every interval until the window ends', async () => {
    let n = 0;
    const s = await sampleOver(async () => ++n, { durationMs: 100, intervalMs: 30 });
    expect(s.samples).toBeGreaterThanOrEqual(2);
    expect(s.samples).toBeLessThanOrEqual(4);
    expect(s.min).toBe(1);
    expect(s.max).toBe(s.samples);
  });

  it('stops early when aborted and keeps what it sampled', async () => {
    const stop = new AbortController();
    let n = 0;
    const run = sampleOver(
      async () => {
        if (++n === 2) stop.abort();
        return n * 10;
      },
      { durationMs: 60_000, intervalMs: 5, stop: stop.signal },
    );
    expect(await run).toEqual({ median: 15, min: 10, max: 20, samples: 2 });
  });
});
