/**
 * route-slots: how many delivery jobs each route may have in flight, and the
 * line of jobs waiting for room (Postfix's per-destination queues, in small).
 *
 * Owns: the count of jobs in flight per route, the cap rule (routeCapacity),
 * and one first-in first-out line per route of jobs that are ready but wait
 * for that route's room. Without it, one slow destination's backlog filled
 * the global in-flight limit with jobs queued behind its few connections,
 * and every other route waited behind them (issue 10 item 5).
 * Does not own: dispatching or recipient state (delivery-scheduler.ts),
 * connections (delivery/session-pool.ts).
 * Raises: nothing.
 */
import type { Destination } from '../routing/routing-types.js';

/**
 * Jobs per connection: one in its transaction, one ready to take the
 * connection over the moment it is free (handed on without RSET, see
 * session-pool.ts). More would only wait in the pool holding in-flight room.
 */
export const JOBS_PER_CONNECTION = 2;

/**
 * How many jobs a route may have in flight: what the hosts it actually uses
 * can carry. Those are the available hosts of its best available priority
 * (equal priorities share the load; a lower one is only tried on failure).
 * At least one host's worth, so a route whose hosts are all Down still gets
 * its jobs dispatched (and deferred at once, without a connection).
 */
export function routeCapacity(dests: readonly Destination[], isAvailable: (key: string) => boolean, connectionsPerHost: number): number {
  const usable = dests.filter((d) => isAvailable(d.key));
  const best = Math.min(...usable.map((d) => d.priority));
  const hosts = usable.filter((d) => d.priority === best).length;
  return JOBS_PER_CONNECTION * connectionsPerHost * Math.max(1, hosts);
}

export interface RouteJob {
  routeKey: string;
  route: { destinations: Destination[] };
}

export class RouteSlots<J extends RouteJob> {
  private readonly inFlight = new Map<string, number>();
  private readonly lines = new Map<string, J[]>();

  constructor(private readonly capacity: (job: J) => number) {}

  /** The route has room and nobody ahead in its line (first come, first served). */
  hasRoom(job: J): boolean {
    return !this.lines.has(job.routeKey) && this.count(job.routeKey) < this.capacity(job);
  }

  /** Puts a job at the back of its route's line. */
  wait(job: J): void {
    const line = this.lines.get(job.routeKey);
    if (line) line.push(job);
    else this.lines.set(job.routeKey, [job]);
  }

  started(routeKey: string): void {
    this.inFlight.set(routeKey, this.count(routeKey) + 1);
  }

  finished(routeKey: string): void {
    const n = this.count(routeKey) - 1;
    if (n > 0) this.inFlight.set(routeKey, n);
    else this.inFlight.delete(routeKey);
  }

  /**
   * Takes waiting jobs whose route has room, each line in order, while
   * `more()` allows (the global limit). `start` must call started() for a
   * job it puts in flight; one it settles at once (hosts all Down) leaves
   * the room to the next in line.
   */
  drain(more: () => boolean, start: (job: J) => void): void {
    for (const [key, line] of this.lines) {
      while (line.length > 0 && more() && this.count(key) < this.capacity(line[0]!)) start(line.shift()!);
      if (line.length === 0) this.lines.delete(key);
    }
  }

  /** Jobs waiting in all lines (diagnostics, tests). */
  get waiting(): number {
    let n = 0;
    for (const line of this.lines.values()) n += line.length;
    return n;
  }

  private count(routeKey: string): number {
    return this.inFlight.get(routeKey) ?? 0;
  }
}
