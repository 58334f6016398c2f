import { describe, expect, it, vi } from 'vitest';
import { RecentContent } from '../../../core/spool/recent-content.js';

const bytes = (n: number, fill = 1): Buffer => Buffer.alloc(n, fill);

describe('RecentContent', () => {
  it('hands an entry out once, and only for the size the caller expects', () => {
    const c = new RecentContent({ maxBytes: 1000, maxAgeMs: 1000 });
    c.put(1, bytes(10));
    c.put(2, bytes(20));
    expect(c.take(1, 10)).toEqual(bytes(10));
    expect(c.take(1, 10)).toBeUndefined();
    expect(c.take(2, 21)).toBeUndefined();
    expect(c.take(2, 20)).toBeUndefined(); // a mismatch dropped it
    expect(c.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('stays within its byte budget by dropping the oldest; one too big is not kept', () => {
    const c = new RecentContent({ maxBytes: 100, maxAgeMs: 60_000 });
    for (let mid = 1; mid <= 10; mid++) c.put(mid, bytes(30, mid));
    expect(c.size.bytes).toBeLessThanOrEqual(100);
    expect(c.take(10, 30)).toEqual(bytes(30, 10));
    expect(c.take(1, 30)).toBeUndefined();
    c.put(11, bytes(101));
    expect(c.take(11, 101)).toBeUndefined();
  });

  it('does not hand out stale entries, and sheds them as new ones come', () => {
    let now = 0;
    const c = new RecentContent({ maxBytes: 1000, maxAgeMs: 100, now: () => now });
    c.put(1, bytes(10));
    c.put(2, bytes(10));
    now = 150;
    expect(c.take(1, 10)).toBeUndefined();
    c.put(3, bytes(10));
    expect(c.size).toEqual({ entries: 1, bytes: 10 });
    c.drop(3);
    expect(c.size).toEqual({ entries: 0, bytes: 0 });
  });

  it('lets go of entries nobody took once they are stale, without waiting for new ones', () => {
    vi.useFakeTimers();
    try {
      const c = new RecentContent({ maxBytes: 1000, maxAgeMs: 100 });
      c.put(1, bytes(10));
      vi.advanceTimersByTime(50);
      c.put(2, bytes(10));
      vi.advanceTimersByTime(60);
      expect(c.size).toEqual({ entries: 1, bytes: 10 });
      vi.advanceTimersByTime(100);
      expect(c.size).toEqual({ entries: 0, bytes: 0 });
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
