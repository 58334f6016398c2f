/**
 * outage-log: the mail-log line that says a message waits for a Down (or
 * suspended) host, "MID 12 RID [0] deferred: waiting for Exchange
 * (10.1.1.5:25) which is down since …": once per message per outage, as ESA
 * does, never once per probe or retry round (a 100,000-recipient queue
 * would otherwise write 100,000 lines every few seconds).
 * Owns: which message's wait is already logged for which outage. An outage
 * is told apart by its hosts and the time each went Down (or its
 * suspension), so the same host going Down again is a new story line.
 */
import type { HostRegistry } from '../hosts/host-registry.js';
import { labelOf } from '../hosts/host-registry.js';
import type { MailLog } from '../log/log-types.js';
import { hostLabel, logLines, type HostWait } from '../log/log-lines.js';
import type { Destination } from '../routing/routing-types.js';

export class OutageLog {
  /** MID → route → the outage its wait was logged for. Forgotten when the message leaves the queue. */
  private readonly logged = new Map<number, Map<string, string>>();

  constructor(
    private readonly log: MailLog,
    private readonly hosts: HostRegistry,
  ) {}

  /** Logs that `rids` of `mid` wait for `dests` (none of them available), unless this outage is already in its story. */
  waiting(mid: number, routeKey: string, rids: readonly number[], dests: readonly Destination[]): void {
    const waits: HostWait[] = dests.map((d) => {
      const h = this.hosts.get(d.key);
      return { label: h ? labelOf(h) : hostLabel(d.key, d.name), since: h?.since ?? 0, suspended: h?.suspended ?? false };
    });
    const outage = dests.map((d, i) => `${d.key}@${waits[i]!.suspended ? 'suspended' : waits[i]!.since}`).join(' ');
    let routes = this.logged.get(mid);
    if (routes?.get(routeKey) === outage) return;
    if (!routes) this.logged.set(mid, (routes = new Map()));
    routes.set(routeKey, outage);
    this.log.info(logLines.waitingForHosts(mid, rids, waits));
  }

  /** The message left the queue (delivered, bounced, deleted). */
  forget(mid: number): void {
    this.logged.delete(mid);
  }

  /** Messages with a logged wait (tests: the map is bounded by the queue). */
  get size(): number {
    return this.logged.size;
  }
}
