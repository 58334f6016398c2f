import { describe, expect, it } from 'vitest';
import { formatAgo, formatBytes, formatClock, formatCount, formatCountdown, formatDuration, plural } from '../../../renderer/src/lib/format.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [0.4, '0s'],
    [45, '45s'],
    [60, '1m'],
    [200, '3m 20s'],
    [3600, '1h'],
    [3609, '1h'],
    [7500, '2h 5m'],
    [86_400, '1d'],
    [90_061, '1d 1h'],
    [259_200, '3d'],
  ])('%s s → %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });

  it('treats negative and non-finite values safely', () => {
    expect(formatDuration(-5)).toBe('0s');
    expect(formatDuration(Number.NaN)).toBe('—');
  });
});

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

describe('sizes and counts', () => {
  it('formats bytes in powers of 1024', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(26_214_400)).toBe('25 MB');
  });

  it('groups digits by three', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(100_000)).toBe('100,000');
    expect(formatCount(-1234567)).toBe('-1,234,567');
    expect(plural(1, 'message')).toBe('1 message');
    expect(plural(2_000, 'message')).toBe('2,000 messages');
  });
});
