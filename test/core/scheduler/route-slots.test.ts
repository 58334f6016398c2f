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
  type Job = RouteJob<string> & { id: number };
  const job = (routeKey: string, id: number): Job => ({ routeKey, id, route: { destinations: [] }, recipients: [`${id}a`, `${id}b`] });
  const none = (): void => undefined;

  function setup(cap: number) {
    const slots = new RouteSlots<string, Job>(() => cap);
    const started: number[] = [];
    const start = (j: Job): void => {
      started.push(j.id);
      slots.started(j.routeKey);
    };
    return { slots, started, start };
  }

  it('a full route lines its jobs up in order while other routes keep their room', () => {
    const { slots, started, start } = setup(2);
    for (const j of [job('slow', 1), job('slow', 2)]) {
      expect(slots.hasRoom(j)).toBe(true);
      start(j);
    }
    for (const id of [3, 4]) {
      expect(slots.hasRoom(job('slow', id))).toBe(false);
      slots.wait(job('slow', id));
    }
    expect(slots.hasRoom(job('fast', 6))).toBe(true);
    expect(slots.waiting).toEqual({ lined: 2, held: 0 });

    slots.finished('slow');
    slots.drain(() => true, start, none);
    expect(started).toEqual([1, 2, 3]);
    // Someone waits: a newcomer does not jump the line, even with room.
    slots.finished('slow');
    expect(slots.hasRoom(job('slow', 7))).toBe(false);
    // The global limit says when to stop.
    slots.drain(() => false, start, none);
    expect(started).toEqual([1, 2, 3]);
    slots.drain(() => true, start, none);
    expect(started).toEqual([1, 2, 3, 4]);
    expect(slots.waiting).toEqual({ lined: 0, held: 0 });
  });

  it('beyond a line as long as the capacity only recipients are held; they come back as the line shortens, all once the route has room', () => {
    const { slots, started, start } = setup(2);
    start(job('r', 1));
    start(job('r', 2));
    for (const id of [3, 4, 5, 6, 7]) slots.wait(job('r', id));
    expect(slots.waiting).toEqual({ lined: 2, held: 3 });

    const released: string[][] = [];
    slots.finished('r');
    slots.drain(() => true, start, (rs) => released.push(rs));
    // Job 3 started; the route is full again, its line has one place: one job's recipients, together.
    expect(started).toEqual([1, 2, 3]);
    expect(released).toEqual([['5a', '5b']]);
    expect(slots.waiting).toEqual({ lined: 1, held: 2 });

    // Its hosts went Down (or it sped up): jobs finish without new ones
    // holding the room. Everything held comes back at once.
    slots.finished('r');
    slots.finished('r');
    slots.finished('r');
    slots.drain(
      () => true,
      (j) => started.push(j.id),
      (rs) => released.push(rs),
    );
    expect(started).toEqual([1, 2, 3, 4]);
    expect(released).toEqual([['5a', '5b'], ['6a', '6b', '7a', '7b']]);
    expect(slots.waiting).toEqual({ lined: 0, held: 0 });
    expect(slots.hasRoom(job('r', 8))).toBe(true);
  });

  it('a waiting job settled without starting (hosts Down) leaves the room to the next in line', () => {
    const { slots } = setup(2);
    slots.started('r');
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
      none,
    );
    expect(seen).toEqual([1, 2]);
    expect(slots.waiting).toEqual({ lined: 0, held: 0 });
  });
});
