/**
 * host-prober: brings Down hosts back.
 *
 * Owns: the probe cadence of every Down host, running the probes, and the
 * operator's "probe now". A host that answers is marked Up through the
 * registry, whose `up` event makes the scheduler deliver that host's queue at
 * once (ESA waits for the retry time; a small office wants its mail now).
 * Does not own: the status itself (host-registry.ts) or how to talk SMTP
 * (the injected probe function).
 * Raises: nothing; a failed probe only sets the next one. Emits `probe` after
 * every probe (when, how long, manual or not, answered or not).
 */
import { EventEmitter } from 'node:events';
import type { RelayError } from '../errors/relay-error.js';
import type { Destination } from '../routing/routing-types.js';
import type { HostRegistry, HostState } from './host-registry.js';

export type ProbeFn = (dest: Destination) => Promise<void>;

export interface ProbeCadence {
  /** Between probes of a Down destination named in a route: fixed, never stretched. */
  maxMs: number;
  /** First wait for a Down MX-resolved host, doubling per failed probe… */
  initialMs: number;
  /** …up to this. */
  mxMaxMs: number;
  now?: () => number;
}

export interface ProbeReport {
  key: string;
  at: number;
  ms: number;
  manual: boolean;
  ok: boolean;
}

/**
 * How long until the next probe of a Down host. The office's own server (a
 * destination named in a route) is probed on a short fixed cadence: it is on
 * the LAN, a probe costs it one connection, and every second it is believed
 * Down after it came back is mail not delivered (a backed-off probe once left it Down for 4 min 48 s). An
 * internet host found by MX is someone else's server: it backs off, as
 * Postfix does for a dead destination.
 */
export function probeDelayMs(dest: Destination | undefined, failures: number, c: ProbeCadence): number {
  if (dest?.configured) return c.maxMs;
  return Math.min(c.initialMs * 2 ** failures, Math.max(c.mxMaxMs, c.initialMs));
}

export class HostProber extends EventEmitter<{ probe: [ProbeReport] }> {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Set<string>();
  private stopped = false;

  constructor(
    private readonly hosts: HostRegistry,
    private readonly probe: ProbeFn,
    private readonly opts: ProbeCadence,
  ) {
    super();
    hosts.on('down', (h) => this.schedule(h, probeDelayMs(h.destination, 0, this.opts)));
    hosts.on('up', () => this.arm());
  }

  /** Schedules probes for hosts restored as Down after a restart. */
  start(): void {
    for (const h of this.hosts.all()) if (h.status === 'down' && h.nextProbeAt === undefined) this.schedule(h, 0);
  }

  /** How often this host is probed while Down, for the window's "checked every 5 s". */
  cadenceMs(h: HostState): number {
    return probeDelayMs(h.destination, h.probeFailures, this.opts);
  }

  /**
   * The operator's "retry now" on a Down host: probes at once, outside the
   * cadence. It never counts as a failure and never moves the next scheduled
   * probe (else each click would double the wait); a probe already on
   * the wire is the answer, so none is added.
   */
  probeNow(key: string): void {
    const h = this.hosts.get(key);
    if (this.stopped || !h || h.status !== 'down' || !h.destination || this.running.has(key)) return;
    this.launch(h, h.destination, true);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private schedule(h: HostState, delayMs: number): void {
    h.nextProbeAt = this.now() + delayMs;
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let next: number | undefined;
    for (const h of this.hosts.all()) {
      if (h.status !== 'down' || h.nextProbeAt === undefined || this.running.has(h.key)) continue;
      if (next === undefined || h.nextProbeAt < next) next = h.nextProbeAt;
    }
    if (next === undefined) return;
    this.timer = setTimeout(() => this.runDue(), Math.max(0, next - this.now()));
    this.timer.unref();
  }

  private runDue(): void {
    this.timer = undefined;
    const now = this.now();
    for (const h of this.hosts.all()) {
      if (h.status !== 'down' || h.nextProbeAt === undefined || h.nextProbeAt > now) continue;
      if (this.running.has(h.key)) continue;
      if (!h.destination) {
        // Not configured any more (routes changed): nothing to probe.
        h.nextProbeAt = undefined;
        continue;
      }
      this.launch(h, h.destination, false);
    }
    this.arm();
  }

  private launch(h: HostState, dest: Destination, manual: boolean): void {
    this.running.add(h.key);
    const started = this.now();
    h.lastProbeAt = started;
    const report = (ok: boolean): void => {
      this.running.delete(h.key);
      this.emit('probe', { key: h.key, at: started, ms: this.now() - started, manual, ok });
    };
    this.probe(dest).then(
      () => {
        report(true);
        if (!this.stopped) this.hosts.hostAnswered(h.key, 'probe');
        this.arm();
      },
      (err: RelayError) => {
        h.lastError = err.toLine?.() ?? String(err);
        report(false);
        if (h.status !== 'down') return this.arm();
        // A scheduled probe sets the next one from its end (a probe that
        // waits out a connect timeout is not followed by another at once).
        // A manual one leaves the cadence alone, unless the scheduled probe
        // fell due while it ran and was skipped for it.
        if (!manual) {
          h.probeFailures++;
          this.schedule(h, probeDelayMs(dest, h.probeFailures, this.opts));
        } else if (h.nextProbeAt === undefined || h.nextProbeAt <= this.now()) {
          this.schedule(h, probeDelayMs(dest, h.probeFailures, this.opts));
        } else this.arm();
      },
    );
  }
}
