import { describe, expect, it } from 'vitest';
import { DeliveryStats } from '../../../core/queue/delivery-stats.js';

describe('delivery stats', () => {
  it('keeps the last and the most queued per 5 s and per minute, carrying the depth over quiet spells', () => {
    let now = 600_000;
    const s = new DeliveryStats(() => now);
    s.recordQueueDepth(3);
    s.recordQueueDepth(20);
    s.recordQueueDepth(7);
    now += 5_000;
    s.count('delivered', 7);
    s.recordQueueDepth(0);
    now += 30_000; // nothing happens: the depth stays 0, not "unknown"
    expect(s.recent()).toEqual([
      { at: 600_000, queued: 7, queuedMax: 20, delivered: 0, bounced: 0 },
      { at: 605_000, queued: 0, queuedMax: 7, delivered: 7, bounced: 0 },
      { at: 635_000, queued: 0, queuedMax: 0, delivered: 0, bounced: 0 },
    ]);
    expect(s.series()).toEqual([{ at: 600_000, queued: 0, queuedMax: 20, delivered: 7, bounced: 0 }]);
  });

  it('forgets 5 s samples after an hour and minutes after a day; persists only the minutes', () => {
    let now = 0;
    const s = new DeliveryStats(() => now);
    s.recordQueueDepth(5);
    now += 3600_000;
    s.recordQueueDepth(1);
    expect(s.recent().map((x) => x.at)).toEqual([3600_000]);
    expect(s.series().map((x) => x.queuedMax)).toEqual([5, 5]);
    now += 24 * 3600_000;
    expect(s.snapshot().minutes).toEqual([]);
  });

  it('restores a state file written before queue max was kept', () => {
    const s = new DeliveryStats(() => 180_000);
    s.restore({ delivered: 2, bounced: 1, minutes: [[1, 2, 1, 9]] });
    expect(s.series()).toEqual([
      { at: 60_000, queued: 9, queuedMax: 9, delivered: 2, bounced: 1 },
      { at: 180_000, queued: 9, queuedMax: 9, delivered: 0, bounced: 0 },
    ]);
  });
});
