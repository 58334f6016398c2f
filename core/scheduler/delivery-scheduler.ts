/**
 * delivery-scheduler: decides when each queued recipient is tried, and applies
 * what the delivery engine reports (Postfix's qmgr, in one module).
 *
 * Owns: the due-time heap, grouping (recipients of one message that share a
 * route go in one SMTP transaction), the in-flight limits (global, and per
 * route through route-slots.ts, so a slow host cannot hold everyone's room),
 * skipping Down and suspended hosts, the
 * outcome bookkeeping (attempts, next attempt from the bounce profile, expiry,
 * delay warnings), "deliver at once" when a host comes back, and operator
 * retries. Every recipient handed to the engine comes back with exactly one
 * outcome, which is applied here and only here.
 * Does not own: SMTP (delivery/), host status (hosts/), NDR content (bounce/),
 * persistence (the relay marks the index dirty from queue events).
 * Raises: nothing to callers; a failed route lookup defers the recipients.
 */
import type { BounceProfile } from '../config/config-schema.js';
import type { DeliveryEngine, RecipientOutcome } from '../delivery/delivery-types.js';
import { RelayError, toRelayError, type SerializedRelayError } from '../errors/relay-error.js';
import type { HostRegistry } from '../hosts/host-registry.js';
import type { MailLog } from '../log/log-types.js';
import { logLines } from '../log/log-lines.js';
import type { MessageQueue } from '../queue/message-queue.js';
import type { QueuedMessage, QueuedRecipient } from '../queue/queue-types.js';
import type { Destination, ResolvedRoute } from '../routing/routing-types.js';
import type { SpoolStore } from '../spool/spool-types.js';
import { internError } from '../queue/intern.js';
import { DueHeap } from './due-heap.js';
import type { NdrSender } from './ndr-sender.js';
import { expiredStatus, findExpiry, nextAttemptAt } from './retry-schedule.js';
import { routeCapacity, RouteSlots } from './route-slots.js';

export interface SchedulerDeps {
  queue: MessageQueue;
  spool: SpoolStore;
  hosts: HostRegistry;
  engine: DeliveryEngine;
  resolveRoute: (domain: string) => Promise<ResolvedRoute>;
  orderDestinations: (routeKey: string, dests: Destination[]) => Destination[];
  profile: (name: string) => BounceProfile;
  ndr: NdrSender;
  log: MailLog;
  /** Called whenever recipient state changed in a way worth persisting (the next flush writes the whole index). */
  markDirty: () => void;
  /** Delivery jobs in flight across all routes. */
  maxInFlight: number;
  /** delivery.maxConnectionsPerHost: sets each route's share of maxInFlight (route-slots.ts). */
  connectionsPerHost: number;
  now?: () => number;
}

interface Group {
  message: QueuedMessage;
  routeKey: string;
  route: ResolvedRoute;
  recipients: QueuedRecipient[];
}

export class DeliveryScheduler {
  private readonly heap: DueHeap<QueuedRecipient>;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private inFlight = 0;
  private readonly jobs = new Set<Promise<void>>();
  private stopped = false;
  /** Last resolution per domain: which hosts a domain's recipients wait for. */
  private readonly routeCache = new Map<string, ResolvedRoute>();
  /**
   * Jobs in flight per route, and the backlog of a route at its share.
   * Recipients in a backlog stay `queued` (the operator may delete, bounce
   * or retry them) and out of the heap; dispatch takes only those still
   * queued.
   */
  private readonly slots: RouteSlots<QueuedRecipient, Group>;

  constructor(private readonly d: SchedulerDeps) {
    this.heap = new DueHeap((r) => (r.state === 'queued' ? r.nextAttemptAt : undefined));
    this.slots = new RouteSlots((route) => routeCapacity(route.destinations, (key) => d.hosts.isAvailable(key), d.connectionsPerHost));
    d.hosts.on('up', (h) => this.hostUp(h.key));
  }

  private now(): number {
    return (this.d.now ?? Date.now)();
  }

  /** Puts a message's queued recipients on the schedule. */
  enqueue(m: QueuedMessage): void {
    for (const r of m.recipients) if (r.state === 'queued') this.heap.push(r.nextAttemptAt, r);
    this.kick();
  }

  /**
   * Makes matching queued recipients due now (retryall, delivernow, host up).
   * Recipients whose hosts are all Down are still skipped at dispatch.
   */
  retryNow(recipients: Iterable<QueuedRecipient>): number {
    const now = this.now();
    let n = 0;
    for (const r of recipients) {
      if (r.state !== 'queued') continue;
      r.nextAttemptAt = now;
      this.heap.push(now, r);
      n++;
    }
    if (n) {
      this.d.markDirty();
      this.kick();
    }
    return n;
  }

  /** Recipients that wait for this host: last tried there, or routed through it. */
  recipientsForHost(key: string): QueuedRecipient[] {
    const out = new Set<QueuedRecipient>(this.d.queue.pendingForHost(key));
    for (const domain of this.d.queue.pendingDomains()) {
      const route = this.routeCache.get(domain);
      if (route?.destinations.some((x) => x.key === key)) {
        for (const r of this.d.queue.pendingForDomain(domain)) out.add(r);
      }
    }
    return [...out];
  }

  get activeJobs(): number {
    return this.inFlight;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Stops dispatching and waits for in-flight attempts (the engine bounds them). */
  async stop(deadlineMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    await this.d.engine.close(deadlineMs);
    await Promise.allSettled([...this.jobs]);
  }

  private hostUp(key: string): void {
    this.retryNow(this.recipientsForHost(key));
  }

  private kick(): void {
    if (this.stopped || this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      void this.tick();
    });
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const at = this.heap.peekAt();
    if (at === undefined) return;
    // setTimeout caps at ~24.8 days; re-arming on wake handles longer waits.
    const delay = Math.min(Math.max(0, at - this.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, delay);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    // Jobs that waited for their route's room go first, in their order;
    // held recipients come back through the heap as their line shortens.
    this.slots.drain(
      () => this.inFlight < this.d.maxInFlight,
      (g) => this.dispatch(g),
      (rs) => {
        for (const r of rs) if (r.state === 'queued') this.heap.push(r.nextAttemptAt, r);
      },
    );
    const room = this.d.maxInFlight - this.inFlight;
    if (room <= 0) return; // a finishing job kicks again
    // The same recipient may sit in the heap twice (retried twice in one ms).
    const due = [...new Set(this.heap.takeDue(this.now(), room * 20))];
    // They stay `queued` while their routes are looked up: an operator may
    // still delete or bounce them, and dispatch() skips what is no longer
    // queued (or was dispatched meanwhile by an overlapping tick).
    const groups = await this.group(due);
    for (const g of groups) {
      if (this.stopped || this.inFlight >= this.d.maxInFlight) {
        // Out of room: put the rest back, due as they were, in order.
        for (const r of g.recipients) if (r.state === 'queued') this.heap.push(r.nextAttemptAt, r);
        continue;
      }
      // A route at its share waits in its own line; the others go on.
      if (this.slots.hasRoom(g)) this.dispatch(g);
      else this.slots.wait(g);
    }
    this.arm();
  }

  private async group(due: QueuedRecipient[]): Promise<Group[]> {
    const groups = new Map<string, Group>();
    const resolved = new Map<string, Promise<ResolvedRoute | RelayError>>();
    for (const r of due) {
      const message = this.d.queue.get(r.mid);
      if (!message) continue;
      let p = resolved.get(r.domain);
      if (!p) {
        p = this.d.resolveRoute(r.domain).catch((e: unknown) => toRelayError(e, 'ENOROUTE'));
        resolved.set(r.domain, p);
      }
      const route = await p;
      if (route instanceof RelayError) {
        this.applyOutcomes(message, undefined, [{ rid: r.rid, outcome: route.temporary ? 'deferred' : 'bounced', host: undefined, error: route }]);
        continue;
      }
      this.routeCache.set(r.domain, route);
      // MX routes are per domain; configured routes may serve many domains.
      const routeKey = route.routeDomain === 'MX' ? `MX:${r.domain}` : route.routeDomain;
      const gk = `${r.mid}\u0000${routeKey}`;
      let g = groups.get(gk);
      if (!g) {
        g = { message, routeKey, route, recipients: [] };
        groups.set(gk, g);
      }
      g.recipients.push(r);
    }
    return [...groups.values()];
  }

  private dispatch(group: Group): void {
    const recipients = group.recipients.filter((r) => r.state === 'queued');
    if (recipients.length === 0) return;
    const g = { ...group, recipients };
    for (const r of recipients) this.d.queue.setState(r, 'active');
    const ordered = this.d.orderDestinations(g.routeKey, g.route.destinations);
    for (const dest of ordered) this.d.hosts.register(dest);
    const available = ordered.filter((x) => this.d.hosts.isAvailable(x.key));
    for (const r of g.recipients) {
      // Before the first try, the operator sees the first choice as its host.
      if (r.lastHost === undefined && ordered[0]) this.d.queue.setHost(r, ordered[0].key);
    }
    if (available.length === 0) {
      // Every host of the route is Down or suspended: no connection is tried
      // (the prober watches them); the recipients wait without spending a retry.
      const suspended = ordered.length > 0 && ordered.every((x) => this.d.hosts.get(x.key)?.suspended);
      const error = new RelayError({
        code: suspended ? 'ESUSPENDED' : 'ENOHOST',
        message: ordered.length === 0 ? 'no destination host for this route' : suspended ? 'delivery to this route is suspended' : 'every destination host is down',
        enhanced: '4.4.1',
        temporary: true,
      });
      void this.applyOutcomes(
        g.message,
        g.route,
        g.recipients.map((r) => ({ rid: r.rid, outcome: 'deferred' as const, host: undefined, error })),
      ).catch((e: unknown) => this.d.log.warn(`Scheduler error MID ${g.message.mid}: ${(e as Error).message}`));
      return;
    }
    this.inFlight++;
    this.slots.started(g.routeKey);
    const job = this.d.engine
      .deliver({
        mid: g.message.mid,
        sender: g.message.sender,
        recipients: g.recipients.map((r) => ({ rid: r.rid, address: r.address })),
        domain: g.recipients[0]?.domain ?? '',
        destinations: available,
        size: g.message.size,
        openContent: () => this.d.spool.openContent(g.message.mid, g.message.size),
      })
      .then(
        (report) => this.applyOutcomes(g.message, g.route, report.outcomes),
        (e: unknown) => {
          // The engine promises one outcome per recipient; if it broke that
          // promise, defer everyone rather than lose track of them.
          const error = toRelayError(e, 'EPROTOCOL');
          return this.applyOutcomes(
            g.message,
            g.route,
            g.recipients.map((r) => ({ rid: r.rid, outcome: 'deferred' as const, host: undefined, error })),
          );
        },
      )
      .catch((e: unknown) => this.d.log.warn(`Scheduler error MID ${g.message.mid}: ${(e as Error).message}`))
      .finally(() => {
        this.inFlight--;
        this.slots.finished(g.routeKey);
        this.jobs.delete(job);
        this.kick();
      });
    this.jobs.add(job);
  }

  private async applyOutcomes(m: QueuedMessage, route: ResolvedRoute | undefined, outcomes: RecipientOutcome[]): Promise<void> {
    const now = this.now();
    const profile = this.d.profile(route?.bounceProfile ?? 'default');
    const toBounce: { r: QueuedRecipient; error: SerializedRelayError; host: string | undefined }[] = [];
    const toWarn: QueuedRecipient[] = [];
    for (const o of outcomes) {
      const r = m.recipients.find((x) => x.rid === o.rid);
      if (!r || (r.state !== 'active' && r.state !== 'queued')) continue;
      if (o.outcome === 'deferred' && o.error.code === 'ESHUTDOWN') {
        // The relay stopped before this attempt got going (or cut it at the
        // stop deadline): not a try, so no retry spent and no back-off; it
        // stays due and the next start sends it at once.
        this.d.queue.setState(r, 'queued');
        this.heap.push(r.nextAttemptAt, r);
        continue;
      }
      r.lastAttemptAt = now;
      if (o.host !== undefined) this.d.queue.setHost(r, o.host);
      if (o.outcome === 'delivered') {
        r.lastError = undefined;
        this.d.queue.setState(r, 'delivered');
      } else if (o.outcome === 'bounced') {
        toBounce.push({ r, error: o.error.toJSON(), host: o.host });
      } else {
        // Only an attempt that reached a host counts against maxRetries; waiting
        // for a Down host does not (ESA holds such mail without spending retries).
        if (o.host !== undefined) r.attempts++;
        // Shared with every recipient that got the same error (a Down host: all of them).
        r.lastError = internError(o.error.toJSON());
        if (o.host !== undefined) this.d.hosts.recipientsDeferred(o.host, 1, o.error.toLine());
        const rule = findExpiry(profile, { attempts: r.attempts, queuedAt: m.receivedAt, now, lastError: r.lastError });
        if (rule) {
          const status = expiredStatus(r.lastError);
          this.d.log.info(logLines.expired(m.mid, r.rid, rule.describe(profile, { attempts: r.attempts, queuedAt: m.receivedAt, now, lastError: r.lastError })));
          toBounce.push({
            r,
            host: o.host,
            error: new RelayError({
              code: 'EEXPIRED',
              message: `Message expired: ${rule.describe(profile, { attempts: r.attempts, queuedAt: m.receivedAt, now, lastError: r.lastError })}; last error: ${o.error.toLine()}`,
              enhanced: status,
              smtpCode: r.lastError.smtpCode,
              response: r.lastError.response,
              temporary: false,
            }).toJSON(),
          });
          continue;
        }
        const warnAfter = profile.delayWarningSeconds;
        if (!r.delayWarned && warnAfter > 0 && warnAfter < profile.maxQueueSeconds && now - m.receivedAt >= warnAfter * 1000) {
          toWarn.push(r);
        }
        r.nextAttemptAt = nextAttemptAt(profile, { attempts: Math.max(1, r.attempts), queuedAt: m.receivedAt, now, delayWarned: r.delayWarned || toWarn.includes(r) });
        this.d.queue.setState(r, 'queued');
        this.heap.push(r.nextAttemptAt, r);
      }
    }
    if (toWarn.length) {
      try {
        await this.d.ndr.delayWarning(m, toWarn, now);
        for (const r of toWarn) r.delayWarned = true;
      } catch (e) {
        // A warning is a courtesy: if it cannot be spooled now, the next
        // deferral tries again. The bounces below must still happen.
        this.d.log.warn(`MID ${m.mid} delay warning could not be spooled: ${toRelayError(e).message}; will retry`);
      }
    }
    if (toBounce.length) {
      try {
        await this.d.ndr.bounce(m, toBounce, now);
        for (const b of toBounce) {
          b.r.lastError = b.error;
          this.d.queue.setState(b.r, 'bounced');
        }
      } catch (e) {
        // The NDR could not be spooled (disk full?): keep the recipients queued
        // and try the whole thing again later. Nothing is lost.
        const err = toRelayError(e);
        this.d.log.warn(`MID ${m.mid} bounce notification could not be spooled: ${err.message}; will retry`);
        for (const b of toBounce) {
          b.r.lastError = b.error;
          b.r.nextAttemptAt = now + profile.initialRetrySeconds * 1000;
          this.d.queue.setState(b.r, 'queued');
          this.heap.push(b.r.nextAttemptAt, b.r);
        }
      }
    }
    this.d.markDirty();
    this.arm();
  }
}
