import { describe, expect, it } from 'vitest';
import { DueHeap } from '../../../core/scheduler/due-heap.js';

interface Item { id: number; at: number | undefined }

describe('DueHeap', () => {
  it('returns due items in time order and keeps later ones', () => {
    const items: Item[] = [5, 1, 9, 3, 7, 2].map((at, id) => ({ id, at }));
    const h = new DueHeap<Item>((i) => i.at);
    for (const i of items) h.push(i.at!, i);
    expect(h.takeDue(5).map((i) => i.at)).toEqual([1, 2, 3, 5]);
    expect(h.peekAt()).toBe(7);
    expect(h.takeDue(100).map((i) => i.at)).toEqual([7, 9]);
    expect(h.peekAt()).toBeUndefined();
  });

  it('skips stale entries after a reschedule and items that left the queue', () => {
    const a: Item = { id: 1, at: 10 };
    const b: Item = { id: 2, at: 20 };
    const h = new DueHeap<Item>((i) => i.at);
    h.push(10, a);
    h.push(20, b);
    a.at = 30; // rescheduled later
    h.push(30, a);
    b.at = undefined; // delivered
    expect(h.takeDue(25)).toEqual([]);
    expect(h.takeDue(30)).toEqual([a]);
  });

  it('orders 20,000 random times correctly and respects max', () => {
    const h = new DueHeap<Item>((i) => i.at);
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const all: Item[] = Array.from({ length: 20_000 }, (_, id) => ({ id, at: Math.floor(rnd() * 1e6) }));
    for (const i of all) h.push(i.at!, i);
    expect(h.takeDue(1e6, 10)).toHaveLength(10);
    const rest = h.takeDue(1e6).map((i) => i.at!);
    expect(rest).toHaveLength(19_990);
    for (let k = 1; k < rest.length; k++) expect(rest[k]!).toBeGreaterThanOrEqual(rest[k - 1]!);
  });
});
