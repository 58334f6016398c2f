/**
 * host-registry: status of every destination host (`host:port` as configured).
 *
 * Owns: Up/Down/Unknown with when it last changed, active connections,
 * delivered/deferred/failed counts, last error, suspension by the operator,
 * a bounded up/down history, and the rule that turns lost transactions into
 * Down (LOST_TRANSACTIONS_FOR_DOWN). Implements delivery's HostFeedback, so the
 * engine reports what it sees and this module alone decides the status.
 * Emits `up` and `down` on transitions (the scheduler delivers a host's queue
 * the moment it comes back; the desktop shell notifies).
 * Does not own: probing (host-prober.ts) or what happens to recipients.
 * Raises: nothing.
 */
import { EventEmitter } from 'node:events';
import type { HostFeedback } from '../delivery/delivery-types.js';
import { RelayError, toRelayError } from '../errors/relay-error.js';
import type { MailLog } from '../log/log-types.js';
import { hostLabel, logLines } from '../log/log-lines.js';
import { credentialRefusal } from '../../common/microsoft-errors.js';
import type { Destination } from '../routing/routing-types.js';

/** What the state file keeps of a host across restarts (store/ persists it). */
export interface HostRecord {
  status: 'up' | 'down' | 'unknown';
  since: number;
  delivered: number;
  failed: number;
  deferred: number;
  lastError?: string | undefined;
  /** When `lastError` happened (ms since epoch): an error shown beside an Up host must say it is history. */
  lastErrorAt?: number | undefined;
  suspended?: boolean | undefined;
  history: { status: 'up' | 'down'; at: number; reason?: string | undefined }[];
}

export type HostStatus = 'up' | 'down' | 'unknown';
const HISTORY_MAX = 200;

/**
 * A transaction that dies without a reply after the greeting (dropped after
 * the final dot, no reply in time) is that message's failure: one message a
 * server chokes on must not take the host Down, however often it is retried
 * (DESIGN.md behaviour table). A server that greets and then loses whatever
 * it is sent is as good as down, though: this many lost transactions in a
 * row, each of a different message, with no transaction answered in between
 * (a delivery, or any reply code), mark it Down. With several connections
 * open, a server that dies mid-transaction loses them all at once and trips
 * this at once; a lone bad message never does.
 */
export const LOST_TRANSACTIONS_FOR_DOWN = 3;

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
  lastErrorAt: number | undefined;
  /**
   * Microsoft refused the credential at the last attempt (words and fix, common/microsoft-errors.ts
   * credentialRefusal); cleared by the next delivery. The host stays Up: its mail waits for the fix.
   */
  credentialRefused?: string | undefined;
  suspended: boolean;
  nextProbeAt: number | undefined;
  /** When the prober last began a probe of it (host-prober.ts). */
  lastProbeAt: number | undefined;
  probeFailures: number;
  history: { status: 'up' | 'down'; at: number; reason?: string | undefined }[];
}

export interface HostEvents {
  up: [host: HostState, how: string];
  down: [host: HostState, error: RelayError];
  change: [host: HostState];
  /**
   * Its last open connection closed. Pooled connections close on their idle timer, long after
   * the last queue change, so without this a view would show them open until something else moved.
   */
  idle: [host: HostState];
  /** A probe of a Down host failed: whoever waits for that probe gives up (it stays Down). */
  'probe-failed': [host: HostState, error: RelayError];
}

/** The host as mail-log lines name it ("Exchange (10.1.1.5:25)"). */
export function labelOf(h: HostState): string {
  return hostLabel(h.key, h.destination?.name);
}

export class HostRegistry extends EventEmitter<HostEvents> implements HostFeedback {
  private readonly hosts = new Map<string, HostState>();
  /** Per host: the MIDs of the transactions lost since the last answered one. */
  private readonly lostStreaks = new Map<string, Set<number>>();
  /** Per Down host: the error text of its last logged line (down, or a probe that failed differently). */
  private readonly probeErrorLogged = new Map<string, string>();

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
      h.lastErrorAt = rec.lastErrorAt;
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
        lastErrorAt: h.lastErrorAt,
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
    const downSince = h.since;
    this.transition(h, 'up', how);
    this.lostStreaks.delete(key);
    this.probeErrorLogged.delete(key);
    h.probeFailures = 0;
    h.nextProbeAt = undefined;
    if (wasDown) this.log.info(logLines.hostUp(labelOf(h), how, (h.since - downSince) / 1000));
    this.emit('up', h, how);
  }

  hostFailed(key: string, error: RelayError): void {
    const h = this.ensure(key);
    h.lastError = error.toLine();
    h.lastErrorAt = this.now();
    if (h.status === 'down') {
      this.emit('change', h);
      return;
    }
    this.lostStreaks.delete(key);
    this.transition(h, 'down', h.lastError);
    // A probe failing the same way adds nothing to the story; a new error does.
    this.probeErrorLogged.set(key, h.lastError);
    this.log.info(logLines.hostDown(labelOf(h), h.lastError));
    this.emit('down', h, error);
  }

  /**
   * Wraps a probe so its failures are heard here as `probe-failed` (its
   * successes already are, through hostAnswered): a retry that waits for a
   * Down host's probe learns the answer either way.
   */
  watchProbes<D extends { key: string }>(probe: (dest: D) => Promise<void>): (dest: D) => Promise<void> {
    return (dest) =>
      probe(dest).catch((e: unknown) => {
        const error = toRelayError(e, 'ECONNECTION');
        const h = this.hosts.get(dest.key);
        if (h) {
          this.logProbeFailure(h, error);
          // The host's latest failure: "Last error" beside it must not be the one from when it went Down.
          h.lastError = error.toLine();
          h.lastErrorAt = this.now();
          this.emit('probe-failed', h, error);
        }
        throw e;
      });
  }

  /**
   * One line per change of a Down host's probe error, never one per probe
   * (a host probed every 5 s through a weekend would write 50,000 lines):
   * the state changes (down, up) have their own lines.
   */
  private logProbeFailure(h: HostState, error: RelayError): void {
    if (h.status !== 'down') return;
    const line = error.toLine();
    if (this.probeErrorLogged.get(h.key) === line) return;
    this.probeErrorLogged.set(h.key, line);
    this.log.info(logLines.probeFailed(labelOf(h), line, h.since));
  }

  transactionLost(key: string, mid: number, error: RelayError): void {
    let streak = this.lostStreaks.get(key);
    if (!streak) {
      streak = new Set();
      this.lostStreaks.set(key, streak);
    }
    // The same message again (retried, or in two jobs) adds nothing.
    streak.add(mid);
    if (streak.size < LOST_TRANSACTIONS_FOR_DOWN) return;
    this.hostFailed(
      key,
      new RelayError({
        code: error.code,
        message: `${streak.size} transactions in a row, of different messages, lost without a reply; last: ${error.message}`,
        enhanced: error.enhanced,
        temporary: true,
        cause: error,
      }),
    );
  }

  transactionAnswered(key: string): void {
    this.lostStreaks.delete(key);
  }

  connectionOpened(key: string): void {
    this.ensure(key).activeConnections++;
  }

  connectionClosed(key: string): void {
    const h = this.ensure(key);
    const was = h.activeConnections;
    h.activeConnections = Math.max(0, was - 1);
    if (was === 1) this.emit('idle', h);
  }

  recipientsDelivered(key: string, n: number): void {
    const h = this.ensure(key);
    h.delivered += n;
    // The credential works again: the incident is over (the next refusal is news).
    h.credentialRefused = undefined;
  }

  recipientsFailed(key: string, n: number): void {
    this.ensure(key).failed += n;
  }

  recipientsDeferred(key: string, n: number, reason: string | undefined): void {
    const h = this.ensure(key);
    h.deferred += n;
    if (reason) {
      h.lastError = reason;
      h.lastErrorAt = this.now();
    }
    const refused = credentialRefusal(reason);
    if (refused) h.credentialRefused = refused;
  }

  setSuspended(key: string, suspended: boolean): HostState {
    const h = this.ensure(key);
    if (h.suspended !== suspended) {
      h.suspended = suspended;
      this.log.info(suspended ? logLines.hostSuspended(labelOf(h)) : logLines.hostResumed(labelOf(h)));
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
        lastErrorAt: undefined,
        suspended: false,
        nextProbeAt: undefined,
        lastProbeAt: undefined,
        probeFailures: 0,
        history: [],
      };
      this.hosts.set(key, h);
    }
    return h;
  }
}
