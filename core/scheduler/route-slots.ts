/**
 * route-slots: how many delivery jobs each route may have in flight, and
 * what waits for that room (Postfix's per-destination queues, in small).
 *
 * Owns: the count of jobs in flight per route, the cap rule (routeCapacity),
 * and each backed-up route's backlog: a first-in first-out line of ready
 * jobs as long as the route's capacity, then only the jobs' recipients,
 * held aside in arrival order until the line shortens (a route slow to
 * answer with 100,000 messages queued holds a few dozen jobs, not 100,000).
 * Without it one slow destination's backlog filled the global in-flight
 * limit with jobs queued behind its few connections, and every other route
 * waited behind them.
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

export interface RouteJob<R> {
  routeKey: string;
  route: Route;
  recipients: R[];
}

type Route = { destinations: Destination[] };

interface Backlog<J, R> {
  /** The route as last seen (its capacity can change: hosts go Down, come back). */
  route: Route;
  /** Ready jobs, in order; at most the route's capacity. */
  line: J[];
  /** Each job's recipients beyond the line, in order, from `head` on (a queue without shifting). */
  held: R[][];
  head: number;
}

export class RouteSlots<R, J extends RouteJob<R>> {
  private readonly inFlight = new Map<string, number>();
  private readonly backlogs = new Map<string, Backlog<J, R>>();

  constructor(private readonly capacity: (route: Route) => number) {}

  /** The route has room and nothing waiting before this job (first come, first served). */
  hasRoom(job: J): boolean {
    return !this.backlogs.has(job.routeKey) && this.count(job.routeKey) < this.capacity(job.route);
  }

  /** Puts a job at the back of its route's backlog: in the line if there is space, else its recipients are held. */
  wait(job: J): void {
    let b = this.backlogs.get(job.routeKey);
    if (!b) {
      b = { route: job.route, line: [], held: [], head: 0 };
      this.backlogs.set(job.routeKey, b);
    }
    b.route = job.route;
    // Released recipients come back through the heap oldest first, so they
    // take the places their release made in the line before newer mail.
    if (b.line.length < this.capacity(job.route)) b.line.push(job);
    // Kept together: released, they make one transaction again.
    else b.held.push(job.recipients);
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
   * Starts waiting jobs whose route has room, each line in order, while
   * `more()` allows (the global limit). `start` calls started() for a job it
   * puts in flight; one it settles at once (hosts all Down) leaves the room
   * to the next in line. Then lets held recipients back through `release`
   * (to be scheduled, routed afresh, as the config may have changed, and
   * lined up again): while the route is full, as many jobs' worth as its
   * line has space for; once it is not (its hosts went Down, or it sped
   * up), all of them, so a backlog never waits on a route that has room.
   */
  drain(more: () => boolean, start: (job: J) => void, release: (recipients: R[]) => void): void {
    for (const [key, b] of this.backlogs) {
      const cap = this.capacity(b.route);
      while (b.line.length > 0 && more() && this.count(key) < cap) start(b.line.shift()!);
      const heldCount = b.held.length - b.head;
      if (heldCount > 0) {
        const full = this.count(key) >= cap;
        const n = full ? Math.min(heldCount, Math.max(0, cap - b.line.length)) : heldCount;
        if (n > 0) {
          release(b.held.slice(b.head, b.head + n).flat());
          b.head += n;
          if (b.head === b.held.length) {
            b.held = [];
            b.head = 0;
          } else if (b.head > 1024 && b.head * 2 > b.held.length) {
            b.held = b.held.slice(b.head);
            b.head = 0;
          }
        }
      }
      if (b.line.length === 0 && b.head === b.held.length) this.backlogs.delete(key);
    }
  }

  /** Jobs waiting: in lines, and held as recipients (diagnostics, tests). */
  get waiting(): { lined: number; held: number } {
    let lined = 0;
    let held = 0;
    for (const b of this.backlogs.values()) {
      lined += b.line.length;
      held += b.held.length - b.head;
    }
    return { lined, held };
  }

  private count(routeKey: string): number {
    return this.inFlight.get(routeKey) ?? 0;
  }
}
