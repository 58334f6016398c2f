import { describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../core/control/contract.js';
import { EventHub } from '../../../core/control/event-hub.js';

const hub = (o: { ringSize?: number; ringWeight?: number } = {}): EventHub => new EventHub({ ...o, coalesceMs: 5, queueTotals: () => ({ recipients: 0, messages: 0 }) });
const lines = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `${tag} line ${i}`);

function replayAfter(h: EventHub, since: number): { events: EventEnvelope[]; complete: boolean } {
  const events: EventEnvelope[] = [];
  const { complete, unsubscribe } = h.subscribe((e) => events.push(e), since);
  unsubscribe();
  return { events, complete };
}

describe('EventHub ring', () => {
  it('replays what a reconnecting client missed, in order', () => {
    const h = hub();
    h.publish('log', { lines: ['a'] });
    h.publish('log', { lines: ['b'] });
    h.publish('log', { lines: ['c'] });
    const r = replayAfter(h, 1);
    expect(r.complete).toBe(true);
    expect(r.events.map((e) => e.seq)).toEqual([2, 3]);
  });

  it('bounds the ring by log lines, not only by events, and says the replay is incomplete', () => {
    const h = hub({ ringSize: 1000, ringWeight: 500 });
    for (let i = 0; i < 20; i++) h.publish('log', { lines: lines(100, `batch ${i}`) });
    const r = replayAfter(h, 0);
    const held = r.events.reduce((n, e) => n + (e.data as { lines: string[] }).lines.length, 0);
    expect(held).toBeLessThanOrEqual(500);
    expect(held).toBeGreaterThanOrEqual(400);
    expect(r.events.at(-1)!.seq).toBe(20);
    expect(r.complete).toBe(false);
  });

  it('keeps the newest event even when it alone is over the budget', () => {
    const h = hub({ ringWeight: 10 });
    h.publish('log', { lines: lines(3, 'small') });
    h.publish('log', { lines: lines(50, 'huge') });
    const r = replayAfter(h, 0);
    expect(r.events.map((e) => e.seq)).toEqual([2]);
  });

  it('still bounds the number of events', () => {
    const h = hub({ ringSize: 5 });
    for (let i = 0; i < 12; i++) h.publish('log', { lines: ['x'] });
    expect(replayAfter(h, 0).events.map((e) => e.seq)).toEqual([8, 9, 10, 11, 12]);
  });
});
