import { describe, expect, it } from 'vitest';
import { visibleRange } from '../../../renderer/src/lib/virtual-window.js';

describe('virtual window', () => {
  it('renders only the rows in view plus overscan, whatever the length', () => {
    const r = visibleRange(0, 400, 40, 100_000, 5);
    expect(r).toEqual({ start: 0, end: 16, offset: 0, height: 4_000_000 });
    const mid = visibleRange(2_000_000, 400, 40, 100_000, 5);
    expect(mid.start).toBe(50_000 - 5);
    expect(mid.end).toBe(50_000 + 11 + 5);
    expect(mid.offset).toBe(mid.start * 40);
  });

  it('clamps at the end and for scroll positions past it', () => {
    const r = visibleRange(99_999_999, 400, 40, 1000, 5);
    expect(r.end).toBe(1000);
    expect(r.start).toBe(990 - 5);
  });

  it('handles empty and tiny lists', () => {
    expect(visibleRange(0, 400, 40, 0)).toEqual({ start: 0, end: 0, offset: 0, height: 0 });
    expect(visibleRange(0, 400, 40, 3).end).toBe(3);
  });
});
