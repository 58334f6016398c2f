/**
 * destination-order: the order in which one attempt tries a route's hosts:
 * priority groups, lowest first, rotated round-robin within a group per call.
 * Down or suspended hosts are filtered by the caller.
 */
import type { Destination } from './routing-types.js';

/** Route keys remembered at most; MX routes are per domain, so the set is open-ended. */
const MAX_ROUTES = 10_000;

/**
 * Rotation, as ESA SMTP routes share load between equal priorities (RFC 5321
 * §5.1 asks to "randomize" among equal MX preferences): a rotation spreads more
 * evenly than a random pick at small-office volumes, and is testable.
 */
export class DestinationOrder {
  private readonly turns = new Map<string, number>();

  order(routeKey: string, dests: readonly Destination[]): Destination[] {
    const turn = this.turns.get(routeKey) ?? 0;
    // Re-insert so the map's first key is always the least recently used.
    this.turns.delete(routeKey);
    this.turns.set(routeKey, turn + 1);
    if (this.turns.size > MAX_ROUTES) {
      const oldest = this.turns.keys().next().value;
      if (oldest !== undefined) this.turns.delete(oldest);
    }

    const groups = new Map<number, Destination[]>();
    for (const d of dests) {
      const g = groups.get(d.priority);
      if (g) g.push(d);
      else groups.set(d.priority, [d]);
    }
    const out: Destination[] = [];
    for (const priority of [...groups.keys()].sort((a, b) => a - b)) {
      const g = groups.get(priority)!;
      const shift = turn % g.length;
      out.push(...g.slice(shift), ...g.slice(0, shift));
    }
    return out;
  }
}
