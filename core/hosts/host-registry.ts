/**
 * host-registry: status of every destination host (`host:port` as configured).
 *
 * Owns: Up/Down/Unknown with when it last changed, active connections,
 * delivered/deferred/failed counts, last error, suspension by the operator,
 * and a bounded up/down history. Implements delivery's HostFeedback, so the
 * engine reports what it sees and this module alone decides the status.
 * Emits `up` and `down` on transitions (the scheduler delivers a host's queue
 * the moment it comes back; the desktop shell notifies).
 * Does not own: probing (host-prober.ts) or what happens to recipients.
 * Raises: nothing.
 */
import { EventEmitter } from 'node:events';
import type { HostFeedback } from '../delivery/delivery-types.js';
import type { RelayError } from '../errors/relay-error.js';
import type { MailLog } from '../log/log-types.js';
import { logLines } from '../log/log-lines.js';
import type { Destination } from '../routing/routing-types.js';
import type { HostRecord } from '../queue/state-store.js';

export type HostStatus = 'up' | 'down' | 'unknown';
const HISTORY_MAX = 200;

export interface HostState {
  key: string;
  destination: Destination | undefined;
  status: HostStatus;
  since: number;
  activeConnections: number;
  delivered: number;
  deferred: number;
  failed: number;
  lastError: string | undefined;
  suspended: boolean;
  nextProbeAt: number | undefined;
  probeFailures: number;
  history: { status: 'up' | 'down'; at: number; reason?: string | undefined }[];
}

export interface HostEvents {
  up: [host: HostState, how: string];
  down: [host: HostState, error: RelayError];
  change: [host: HostState];
}

export class HostRegistry extends EventEmitter<HostEvents> implements HostFeedback {
  private readonly hosts = new Map<string, HostState>();

  constructor(
    private readonly log: MailLog,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  /** Restores counters and history from the state file. */
  restore(records: Record<string, HostRecord>): void {
    for (const [key, rec] of Object.entries(records)) {
      const h = this.ensure(key);
      // A Down host stays Down across a restart until it answers a probe; an Up
      // one is "unknown" until we talk to it again (it may have gone meanwhile).
      h.status = rec.status === 'down' ? 'down' : 'unknown';
      h.since = rec.since;
      h.delivered = rec.delivered;
      h.failed = rec.failed;
      h.deferred = rec.deferred;
      h.lastError = rec.lastError;
      h.suspended = rec.suspended ?? false;
      h.history = rec.history.slice(-HISTORY_MAX);
    }
  }

  snapshot(): Record<string, HostRecord> {
    const out: Record<string, HostRecord> = {};
    for (const h of this.hosts.values()) {
      out[h.key] = {
        status: h.status,
        since: h.since,
        delivered: h.delivered,
        failed: h.failed,
        deferred: h.deferred,
        lastError: h.lastError,
        suspended: h.suspended || undefined,
        history: h.history,
      };
    }
    return out;
  }

  /** Makes a configured or resolved destination known (for probing and tophosts). */
  register(dest: Destination): HostState {
    const h = this.ensure(dest.key);
    h.destination = dest;
    return h;
  }

  get(key: string): HostState | undefined {
    return this.hosts.get(key);
  }

  all(): HostState[] {
    return [...this.hosts.values()];
  }

  /** Down or suspended hosts are left out of delivery attempts. */
  isAvailable(key: string): boolean {
    const h = this.hosts.get(key);
    return !h || (h.status !== 'down' && !h.suspended);
  }

  hostAnswered(key: string, how = 'delivery'): void {
    const h = this.ensure(key);
    if (h.status === 'up') return;
    const wasDown = h.status === 'down';
    this.transition(h, 'up', how);
    h.probeFailures = 0;
    h.nextProbeAt = undefined;
    if (wasDown) this.log.info(logLines.hostUp(key, how));
    this.emit('up', h, how);
  }

  hostFailed(key: string, error: RelayError): void {
    const h = this.ensure(key);
    h.lastError = error.toLine();
    if (h.status === 'down') {
      this.emit('change', h);
      return;
    }
    this.transition(h, 'down', h.lastError);
    this.log.info(logLines.hostDown(key, h.lastError));
    this.emit('down', h, error);
  }

  connectionOpened(key: string): void {
    this.ensure(key).activeConnections++;
  }

  connectionClosed(key: string): void {
    const h = this.ensure(key);
    h.activeConnections = Math.max(0, h.activeConnections - 1);
  }

  recipientsDelivered(key: string, n: number): void {
    this.ensure(key).delivered += n;
  }

  recipientsFailed(key: string, n: number): void {
    this.ensure(key).failed += n;
  }

  recipientsDeferred(key: string, n: number, reason: string | undefined): void {
    const h = this.ensure(key);
    h.deferred += n;
    if (reason) h.lastError = reason;
  }

  setSuspended(key: string, suspended: boolean): HostState {
    const h = this.ensure(key);
    if (h.suspended !== suspended) {
      h.suspended = suspended;
      this.log.info(suspended ? logLines.hostSuspended(key) : logLines.hostResumed(key));
      this.emit('change', h);
    }
    return h;
  }

  private transition(h: HostState, status: 'up' | 'down', reason: string | undefined): void {
    h.status = status;
    h.since = this.now();
    h.history.push({ status, at: h.since, reason });
    if (h.history.length > HISTORY_MAX) h.history.splice(0, h.history.length - HISTORY_MAX);
    this.emit('change', h);
  }

  private ensure(key: string): HostState {
    let h = this.hosts.get(key);
    if (!h) {
      h = {
        key,
        destination: undefined,
        status: 'unknown',
        since: this.now(),
        activeConnections: 0,
        delivered: 0,
        deferred: 0,
        failed: 0,
        lastError: undefined,
        suspended: false,
        nextProbeAt: undefined,
        probeFailures: 0,
        history: [],
      };
      this.hosts.set(key, h);
    }
    return h;
  }
}
