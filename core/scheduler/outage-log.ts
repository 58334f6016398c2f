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

/** Distinct route+outage keys kept for sharing; past this the table starts afresh (sharing only saves memory). */
const SHARED_KEYS_MAX = 1024;

export class OutageLog {
  /**
   * MID → the route+outage its wait was logged for. Forgotten when the message
   * leaves the queue. Nearly every message waits on one route, so that case is
   * one shared string per message (a Map per message cost ~300 bytes each at
   * 100,000 queued, most of the queue's memory during an outage: issue 16);
   * a message split over routes gets a Map of route → key.
   */
  private readonly logged = new Map<number, string | Map<string, string>>();
  /** One copy of each key: 100,000 messages waiting for the same outage share it. */
  private readonly shared = new Map<string, string>();

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
    const key = this.share(`${routeKey}\n${dests.map((d, i) => `${d.key}@${waits[i]!.suspended ? 'suspended' : waits[i]!.since}`).join(' ')}`);
    const before = this.logged.get(mid);
    if (before === key || (typeof before === 'object' && before.get(routeKey) === key)) return;
    if (before === undefined || (typeof before === 'string' && before.startsWith(`${routeKey}\n`))) this.logged.set(mid, key);
    else if (typeof before === 'string') this.logged.set(mid, new Map([[routeOf(before), before], [routeKey, key]]));
    else before.set(routeKey, key);
    this.log.info(logLines.waitingForHosts(mid, rids, waits));
  }

  private share(key: string): string {
    const known = this.shared.get(key);
    if (known !== undefined) return known;
    if (this.shared.size >= SHARED_KEYS_MAX) this.shared.clear();
    this.shared.set(key, key);
    return key;
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

/** The route part of a key (route keys hold no newline: they are domains and host lists). */
function routeOf(key: string): string {
  return key.slice(0, key.indexOf('\n'));
}
