import { afterEach, describe, expect, it, vi } from 'vitest';
import { lineBatcher } from '../../../core/log/line-batcher.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('lineBatcher', () => {
  it('hands lines over in one batch per interval, in order', () => {
    vi.useFakeTimers();
    const batches: string[][] = [];
    const push = lineBatcher((b) => batches.push(b), { intervalMs: 250 });
    push('a');
    push('b');
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(250);
    push('c');
    vi.advanceTimersByTime(250);
    expect(batches).toEqual([['a', 'b'], ['c']]);
  });

  it('keeps only the newest lines of a burst', () => {
    vi.useFakeTimers();
    const batches: string[][] = [];
    const push = lineBatcher((b) => batches.push(b), { intervalMs: 250, keep: 10 });
    for (let i = 0; i < 1000; i++) push(`line ${i}`);
    vi.advanceTimersByTime(250);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toEqual(Array.from({ length: 10 }, (_, k) => `line ${990 + k}`));
  });
});
