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

  it('stays within its ring by dropping the entries a new one overwrites; one too big is not kept', () => {
    const c = new RecentContent({ maxBytes: 800, maxAgeMs: 60_000 });
    for (let mid = 1; mid <= 20; mid++) c.put(mid, bytes(60, mid));
    expect(c.size.bytes).toBeLessThanOrEqual(800);
    // The newest survive with their own bytes; the first ones were overwritten.
    expect(c.take(20, 60)).toEqual(bytes(60, 20));
    expect(c.take(15, 60)).toEqual(bytes(60, 15));
    expect(c.take(1, 60)).toBeUndefined();
    c.put(21, bytes(101));
    expect(c.take(21, 101)).toBeUndefined();
  });

  it('hands out a copy: later writes into the ring do not change what a delivery is sending', () => {
    const c = new RecentContent({ maxBytes: 800, maxAgeMs: 60_000 });
    c.put(1, bytes(100, 1));
    const taken = c.take(1, 100)!;
    for (let mid = 2; mid <= 30; mid++) c.put(mid, bytes(100, mid));
    expect(taken).toEqual(bytes(100, 1));
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
