import { describe, expect, it } from 'vitest';
import { formatAgo, formatClock, formatCount, formatCountdown, plural } from '../../../renderer/src/lib/format.js';

describe('relative times', () => {
  const now = 1_700_000_000_000;
  it('says how long ago', () => {
    expect(formatAgo(now - 2_000, now)).toBe('just now');
    expect(formatAgo(now - 40_000, now)).toBe('40s ago');
    expect(formatAgo(now - 200_000, now)).toBe('3m 20s ago');
  });

  it('counts down to a future instant, rounding up to whole seconds', () => {
    expect(formatCountdown(now + 200_000, now)).toBe('in 3m 20s');
    expect(formatCountdown(now + 1_500, now)).toBe('in 2s');
    expect(formatCountdown(now, now)).toBe('now');
    expect(formatCountdown(now - 5_000, now)).toBe('now');
  });

  it('shows a clock time today and a date otherwise', () => {
    const today = new Date(2025, 2, 1, 14, 3, 22).getTime();
    const later = new Date(2025, 2, 1, 18, 0, 0).getTime();
    expect(formatClock(today, later)).toBe('14:03:22');
    const nextDay = new Date(2025, 2, 2, 9, 0, 0).getTime();
    expect(formatClock(today, nextDay)).toBe('2025-03-01 14:03');
  });
});

describe('counts', () => {
  it('groups digits by three', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(100_000)).toBe('100,000');
    expect(formatCount(-1234567)).toBe('-1,234,567');
    expect(plural(1, 'message')).toBe('1 message');
    expect(plural(2_000, 'message')).toBe('2,000 messages');
  });
});
