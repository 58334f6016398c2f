/**
 * delivery-scheduler: decides when each queued recipient is tried, and applies
 * what the delivery engine reports (Postfix's qmgr, in one module).
 *
 * Owns: the due-time heap, grouping (recipients of one message that share a
 * route go in one SMTP transaction), the in-flight limits (global, and per
 * route through route-slots.ts, so a slow host cannot hold everyone's room),
 * skipping Down and suspended hosts, deciding each outcome (next attempt
 * from the bounce profile, expiry, delay warnings) and telling the queue,
 * "deliver at once" when a host comes back, and operator retries (a retry on
 * a Down host probes it and waits for the answer: probe-waits.ts), and the
 * "waiting for <host>" line of each message's story (once per outage:
 * outage-log.ts). Every recipient handed to the engine comes back with
 * exactly one outcome.
 * Does not own: recipient facts (the queue records them), SMTP (delivery/),
 * host status (hosts/), NDR content (bounce/), failing recipients for good
 * (bounce-recipients.ts), persistence (store/ listens to the queue).
 * Raises: nothing to callers; a failed route lookup defers or bounces the
 * recipients (as the error is temporary or not); a failed tick is logged.
 */
import type { BounceProfile } from '../config/config-schema.js';
import type { DeliveryEngine, RecipientOutcome } from '../delivery/delivery-types.js';
import { RelayError, toRelayError } from '../errors/relay-error.js';
import type { HostRegistry } from '../hosts/host-registry.js';
import type { MailLog } from '../log/log-types.js';
import { logLines } from '../log/log-lines.js';
import type { MessageQueue } from '../queue/message-queue.js';
import type { QueuedMessage, QueuedRecipient } from '../queue/queue-types.js';
import type { Destination, ResolvedRoute } from '../routing/routing-types.js';
import type { SpoolStore } from '../spool/spool-types.js';
import { internError } from '../queue/intern.js';
import type { BounceItem, RecipientBouncer } from './bounce-recipients.js';
import { DueHeap } from './due-heap.js';
import type { NdrSender } from './ndr-sender.js';
import { OutageLog } from './outage-log.js';
import { ProbeWaits } from './probe-waits.js';
import { expiredStatus, findExpiry, nextAttemptAt, type ExpiryContext } from './retry-schedule.js';
import { routeCapacity, RouteSlots } from './route-slots.js';

export interface SchedulerDeps {
  queue: MessageQueue;
  spool: SpoolStore;
  hosts: HostRegistry;
  engine: DeliveryEngine;
  resolveRoute: (domain: string) => Promise<ResolvedRoute>;
  orderDestinations: (routeKey: string, dests: Destination[]) => Destination[];
  profile: (name: string) => BounceProfile;
  /** Delay warnings only; bounces go through `bouncer`. */
  ndr: Pick<NdrSender, 'delayWarning'>;
  bouncer: RecipientBouncer;
  log: MailLog;
  /** The prober's "probe this Down host now" (an operator's retry waits for it). */
  probeNow: (key: string) => void;
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

/** Recipients of an operator's retry (in `active`) held until a probe of their Down hosts answers. */
interface HeldGroup extends Group {
  readonly hosts: Set<string>;
  readonly error: RelayError;
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
  private readonly probeWaits = new ProbeWaits<HeldGroup>();
  /** "waiting for <host> which is down since …": once per message per outage. */
  readonly outageLog: OutageLog;

  constructor(private readonly deps: SchedulerDeps) {
    this.heap = new DueHeap((r) => (r.state === 'queued' ? r.nextAttemptAt : undefined));
    this.slots = new RouteSlots((route) => routeCapacity(route.destinations, (key) => deps.hosts.isAvailable(key), deps.connectionsPerHost));
    deps.hosts.on('up', (h) => this.hostUp(h.key));
    deps.hosts.on('probe-failed', (h) => this.probeFailed(h.key));
    this.outageLog = new OutageLog(deps.log, deps.hosts);
    deps.queue.on('finished', (m) => this.outageLog.forget(m.mid));
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Puts a message's queued recipients on the schedule. */
  enqueue(m: QueuedMessage): void {
    for (const r of m.recipients) if (r.state === 'queued') this.heap.push(r.nextAttemptAt, r);
    this.kick();
  }

  /**
   * Makes matching queued recipients due now (retryall, delivernow, host up).
   * With an `operation` (an operator's retry) they are claimed by it, and
   * those whose hosts are all Down make the scheduler probe those hosts and
   * wait for the answer; without one, they are skipped at dispatch.
   */
  retryNow(recipients: Iterable<QueuedRecipient>, operation?: string): number {
    const now = this.now();
    let n = 0;
    for (const r of recipients) {
      if (r.state !== 'queued') continue;
      this.deps.queue.retry(r, now, operation);
      this.heap.push(now, r);
      n++;
    }
    if (n) this.kick();
    return n;
  }

  /** Recipients that wait for this host: last tried there, or routed through it. */
  recipientsForHost(key: string): QueuedRecipient[] {
    // One scan of the queue (an operator's action or a host coming back, not a hot path).
    const routedHere = new Map<string, boolean>();
    const out: QueuedRecipient[] = [];
    for (const r of this.deps.queue.pendingRecipientsIter()) {
      let via = routedHere.get(r.domain);
      if (via === undefined) {
        via = this.routeCache.get(r.domain)?.destinations.some((x) => x.key === key) ?? false;
        routedHere.set(r.domain, via);
      }
      if (via || r.lastHost === key) out.push(r);
    }
    return out;
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
    // Held for a probe: not a try, so back to queued (the next start sends them).
    for (const w of this.probeWaits.drain()) for (const r of w.recipients) if (r.state === 'active') this.deps.queue.requeued(r);
    await this.deps.engine.close(deadlineMs);
    await Promise.allSettled([...this.jobs]);
  }

  private hostUp(key: string): void {
    for (const w of this.probeWaits.up(key)) if (!this.stopped) this.send(w);
    this.retryNow(this.recipientsForHost(key));
  }

  private probeFailed(key: string): void {
    // Every probe this group waited for failed: its retry is over, deferred
    // with the host-down reason (the claim keeps its next attempt no later).
    for (const w of this.probeWaits.failed(key)) this.applyOrLog(w.message, w.route, w.recipients.map((r) => ({ rid: r.rid, outcome: 'deferred' as const, host: undefined, error: w.error })));
  }

  private applyOrLog(m: QueuedMessage, route: ResolvedRoute | undefined, outcomes: RecipientOutcome[]): void {
    this.applyOutcomes(m, route, outcomes).catch((e: unknown) => this.deps.log.warn(logLines.schedulerError(m.mid, toRelayError(e).message)));
  }

  private kick(): void {
    if (this.stopped || this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.runTick();
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
      this.runTick();
    }, delay);
  }

  /**
   * Ticks run detached from timers. A tick that throws is logged and the
   * timer re-armed, so the queue keeps moving; unhandled, the rejection
   * would end the process.
   */
  private runTick(): void {
    this.tick().catch((e: unknown) => {
      this.deps.log.warn(logLines.schedulerTickFailed(toRelayError(e).message));
      this.arm();
    });
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    // Jobs that waited for their route's room go first, in their order;
    // held recipients come back through the heap as their line shortens.
    this.slots.drain(
      () => this.inFlight < this.deps.maxInFlight,
      (g) => this.dispatch(g),
      (rs) => {
        for (const r of rs) if (r.state === 'queued') this.heap.push(r.nextAttemptAt, r);
      },
    );
    const room = this.deps.maxInFlight - this.inFlight;
    if (room <= 0) return; // a finishing job kicks again
    // The same recipient may sit in the heap twice (retried twice in one ms).
    const due = [...new Set(this.heap.takeDue(this.now(), room * 20))];
    // They stay `queued` while their routes are looked up: an operator may
    // still delete or bounce them, and dispatch() skips what is no longer
    // queued (or was dispatched meanwhile by an overlapping tick).
    const groups = await this.group(due);
    for (const g of groups) {
      if (this.stopped || this.inFlight >= this.deps.maxInFlight) {
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
      const message = this.deps.queue.get(r.mid);
      if (!message) continue;
      let p = resolved.get(r.domain);
      if (!p) {
        p = this.deps.resolveRoute(r.domain).catch((e: unknown) => toRelayError(e, 'ENOROUTE'));
        resolved.set(r.domain, p);
      }
      const route = await p;
      if (route instanceof RelayError) {
        // One message that cannot be updated must not end the tick: the rest
        // of `due` is already off the heap and would never come back.
        try {
          await this.applyOutcomes(message, undefined, [{ rid: r.rid, outcome: route.temporary ? 'deferred' : 'bounced', host: undefined, error: route }]);
        } catch (e) {
          this.deps.log.warn(logLines.schedulerError(message.mid, toRelayError(e).message));
        }
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
    // Before the first try, the operator sees the first choice as its host.
    // Ordered once per job: the order rotates equal priorities per call.
    const ordered = this.deps.orderDestinations(group.routeKey, group.route.destinations);
    for (const r of recipients) this.deps.queue.attempting(r, ordered[0]?.key);
    this.send({ ...group, recipients }, ordered);
  }

  /** Hands `g` (its recipients `active`) to the engine, or holds it when no host of its route is available. */
  private send(group: Group, ordered = this.deps.orderDestinations(group.routeKey, group.route.destinations)): void {
    const g: Group = { message: group.message, routeKey: group.routeKey, route: group.route, recipients: group.recipients.filter((r) => r.state === 'active') };
    if (g.recipients.length === 0) return;
    for (const dest of ordered) this.deps.hosts.register(dest);
    const available = ordered.filter((x) => this.deps.hosts.isAvailable(x.key));
    if (available.length === 0) {
      this.noHostAvailable(g, ordered);
      return;
    }
    this.inFlight++;
    this.slots.started(g.routeKey);
    const job = this.deps.engine
      .deliver({
        mid: g.message.mid,
        sender: g.message.sender,
        recipients: g.recipients.map((r) => ({ rid: r.rid, address: r.address })),
        domain: g.recipients[0]?.domain ?? '',
        destinations: available,
        size: g.message.size,
        openContent: () => this.deps.spool.openContent(g.message.mid, g.message.size),
      })
      .then(
        (report) => this.applyOutcomes(g.message, g.route, report.outcomes),
        (e: unknown) => {
          // The engine promises one outcome per recipient; if it broke that
          // promise, defer everyone rather than lose track of them.
          const error = toRelayError(e, 'EPROTOCOL');
          return this.applyOutcomes(g.message, g.route, deferAll(g.recipients, error));
        },
      )
      .catch((e: unknown) => this.deps.log.warn(logLines.schedulerError(g.message.mid, toRelayError(e).message)))
      .finally(() => {
        this.inFlight--;
        this.slots.finished(g.routeKey);
        this.jobs.delete(job);
        this.kick();
      });
    this.jobs.add(job);
  }

  /**
   * Every host of the route is Down or suspended: no connection is tried
   * (the prober watches them); the recipients wait without spending a retry.
   * Those an operator's retry claimed probe the Down hosts now and wait for
   * the answer instead: delivered if a host comes up, deferred
   * with this reason once every probe has failed.
   */
  private noHostAvailable(g: Group, ordered: Destination[]): void {
    const suspended = ordered.length > 0 && ordered.every((x) => this.deps.hosts.get(x.key)?.suspended);
    const error = new RelayError({
      code: suspended ? 'ESUSPENDED' : 'ENOHOST',
      message: ordered.length === 0 ? 'no destination host for this route' : suspended ? 'delivery to this route is suspended' : 'every destination host is down',
      enhanced: '4.4.1',
      temporary: true,
    });
    this.outageLog.waiting(g.message.mid, g.routeKey, g.recipients.map((r) => r.rid), ordered);
    let rest = g.recipients;
    const probeable = ordered.filter((x) => {
      const h = this.deps.hosts.get(x.key);
      return h !== undefined && h.status === 'down' && !h.suspended && h.destination !== undefined;
    });
    if (probeable.length > 0 && g.recipients.some((r) => r.retry !== undefined)) {
      const held: HeldGroup = { ...g, recipients: g.recipients.filter((r) => r.retry !== undefined), hosts: new Set(probeable.map((x) => x.key)), error };
      rest = g.recipients.filter((r) => r.retry === undefined);
      this.probeWaits.add(held);
      for (const key of held.hosts) this.deps.probeNow(key);
    }
    if (rest.length === 0) return;
    this.applyOrLog(g.message, g.route, deferAll(rest, error));
  }

  private async applyOutcomes(m: QueuedMessage, route: ResolvedRoute | undefined, outcomes: RecipientOutcome[]): Promise<void> {
    const { queue, hosts } = this.deps;
    const now = this.now();
    const profile = this.deps.profile(route?.bounceProfile ?? 'default');
    const toBounce: BounceItem[] = [];
    const toWarn: QueuedRecipient[] = [];
    const warnAfter = profile.delayWarningSeconds;
    const mayWarn = warnAfter > 0 && warnAfter < profile.maxQueueSeconds && now - m.receivedAt >= warnAfter * 1000;
    for (const o of outcomes) {
      const r = m.recipients.find((x) => x.rid === o.rid);
      if (!r || (r.state !== 'active' && r.state !== 'queued')) continue;
      if (o.outcome === 'deferred' && o.error.code === 'ESHUTDOWN') {
        // The relay stopped before this attempt got going (or cut it at the
        // stop deadline): not a try, so no retry spent and no back-off; it
        // stays due and the next start sends it at once.
        queue.requeued(r);
        this.heap.push(r.nextAttemptAt, r);
        continue;
      }
      if (o.outcome === 'delivered') {
        queue.delivered(r, o.host, now);
        continue;
      }
      if (o.outcome === 'bounced') {
        toBounce.push({ r, error: o.error.toJSON(), host: o.host });
        continue;
      }
      // Shared with every recipient that got the same error (a Down host: all of them).
      const error = internError(o.error.toJSON());
      if (o.host !== undefined) hosts.recipientsDeferred(o.host, 1, o.error.toLine());
      // The queue counts the attempt; the rules see the count it will have.
      const expiry: ExpiryContext = { attempts: r.attempts + (o.host !== undefined ? 1 : 0), queuedAt: m.receivedAt, now, lastError: error };
      const rule = findExpiry(profile, expiry);
      if (rule) {
        const why = rule.describe(profile, expiry);
        this.deps.log.info(logLines.expired(m.mid, r.rid, why));
        const expired = new RelayError({
          code: 'EEXPIRED',
          message: `Message expired: ${why}; last error: ${o.error.toLine()}`,
          enhanced: expiredStatus(error),
          smtpCode: error.smtpCode,
          response: error.response,
          temporary: false,
        });
        toBounce.push({ r, host: o.host, error: expired.toJSON() });
        continue;
      }
      const warn = mayWarn && !r.delayWarned;
      if (warn) toWarn.push(r);
      let next = nextAttemptAt(profile, { attempts: Math.max(1, expiry.attempts), queuedAt: m.receivedAt, now, delayWarned: r.delayWarned || warn });
      // An operator's retry never moves the next attempt later than it was.
      const before = r.retry?.previousAt;
      if (before !== undefined && before > now) next = Math.min(next, before);
      // …and never earlier than the destination asked (Graph's Retry-After):
      // a request before it is refused again and prolongs the throttling.
      if (o.notBefore !== undefined) next = Math.max(next, o.notBefore);
      queue.deferred(r, error, o.host, now, next);
      this.heap.push(next, r);
    }
    if (toWarn.length) {
      try {
        await this.deps.ndr.delayWarning(m, toWarn, now);
        for (const r of toWarn) queue.delayWarned(r);
      } catch (e) {
        // A warning is a courtesy: if it cannot be spooled now, the next
        // deferral tries again. The bounces below must still happen.
        this.deps.log.warn(logLines.delayWarningFailed(m.mid, toRelayError(e).message));
      }
    }
    if (toBounce.length) {
      try {
        await this.deps.bouncer.bounceRecipients(m, toBounce, now);
      } catch (e) {
        // The NDR could not be spooled (disk full?): keep the recipients queued
        // and try the whole thing again later. Nothing is lost.
        this.deps.log.warn(logLines.bounceSpoolFailed(m.mid, toRelayError(e).message));
        const next = now + profile.initialRetrySeconds * 1000;
        for (const b of toBounce) {
          if (b.r.state !== 'active' && b.r.state !== 'queued') continue;
          queue.deferred(b.r, b.error, undefined, now, next);
          this.heap.push(next, b.r);
        }
      }
    }
    this.arm();
  }
}

/** The same deferral for every recipient (no host reached). */
function deferAll(rs: readonly QueuedRecipient[], error: RelayError): RecipientOutcome[] {
  return rs.map((r) => ({ rid: r.rid, outcome: 'deferred' as const, host: undefined, error }));
}
