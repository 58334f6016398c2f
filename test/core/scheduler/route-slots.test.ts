import { describe, expect, it } from 'vitest';
import { JOBS_PER_CONNECTION, routeCapacity, RouteSlots, type RouteJob } from '../../../core/scheduler/route-slots.js';
import type { Destination } from '../../../core/routing/routing-types.js';

const d = (host: string, priority: number): Destination => ({ key: `${host}:25`, host, port: 25, priority, tls: 'none' });

describe('routeCapacity', () => {
  const up = (): boolean => true;
  it('counts the hosts of the best available priority only', () => {
    expect(routeCapacity([d('a', 10), d('b', 10), d('c', 20)], up, 5)).toBe(JOBS_PER_CONNECTION * 5 * 2);
    // Failover: the backup is not used while the primary is Up.
    expect(routeCapacity([d('a', 10), d('c', 20)], up, 5)).toBe(JOBS_PER_CONNECTION * 5);
    // Primary Down: the backups carry the route.
    expect(routeCapacity([d('a', 10), d('c', 20), d('e', 20)], (k) => k !== 'a:25', 5)).toBe(JOBS_PER_CONNECTION * 5 * 2);
  });

  it('is one host worth when every host is Down (those jobs are deferred without a connection)', () => {
    expect(routeCapacity([d('a', 10)], () => false, 3)).toBe(JOBS_PER_CONNECTION * 3);
    expect(routeCapacity([], () => true, 3)).toBe(JOBS_PER_CONNECTION * 3);
  });
});

describe('RouteSlots', () => {
  const job = (routeKey: string, id: number): RouteJob & { id: number } => ({ routeKey, id, route: { destinations: [] } });

  it('a full route queues its jobs in order while other routes keep their room', () => {
    const slots = new RouteSlots<ReturnType<typeof job>>(() => 2);
    const started: number[] = [];
    const start = (j: ReturnType<typeof job>): void => {
      started.push(j.id);
      slots.started(j.routeKey);
    };
    for (const j of [job('slow', 1), job('slow', 2)]) {
      expect(slots.hasRoom(j)).toBe(true);
      start(j);
    }
    for (const id of [3, 4, 5]) {
      expect(slots.hasRoom(job('slow', id))).toBe(false);
      slots.wait(job('slow', id));
    }
    expect(slots.hasRoom(job('fast', 6))).toBe(true);
    expect(slots.waiting).toBe(3);

    slots.finished('slow');
    slots.drain(() => true, start);
    expect(started).toEqual([1, 2, 3]);
    // Someone waits in line: a newcomer does not jump it, even with room.
    slots.finished('slow');
    expect(slots.hasRoom(job('slow', 7))).toBe(false);
    // The global limit says when to stop.
    slots.finished('slow');
    slots.drain(() => started.length < 4, start);
    expect(started).toEqual([1, 2, 3, 4]);
    slots.drain(() => true, start);
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(slots.waiting).toBe(0);
  });

  it('a waiting job settled without starting (hosts Down) leaves the room to the next in line', () => {
    const slots = new RouteSlots<ReturnType<typeof job>>(() => 1);
    slots.started('r');
    for (const id of [1, 2]) slots.wait(job('r', id));
    slots.finished('r');
    const seen: number[] = [];
    slots.drain(
      () => true,
      (j) => {
        seen.push(j.id);
        if (j.id === 2) slots.started('r');
      },
    );
    expect(seen).toEqual([1, 2]);
    expect(slots.waiting).toBe(0);
  });
});
