/**
 * host-prober: brings Down hosts back.
 *
 * Owns: the probe schedule of every Down host (back-off from
 * delivery.probeInitialSeconds doubling up to probeMaxSeconds) and running the
 * probes. A host that answers a probe is marked Up through the registry, whose
 * `up` event makes the scheduler deliver that host's queue at once (ESA waits
 * for the retry time; a small office wants its mail now).
 * Does not own: the status itself (host-registry.ts) or how to talk SMTP
 * (the injected probe function).
 * Raises: nothing; a failed probe only pushes the next one out.
 */
import type { RelayError } from '../errors/relay-error.js';
import type { Destination } from '../routing/routing-types.js';
import type { HostRegistry, HostState } from './host-registry.js';

export type ProbeFn = (dest: Destination) => Promise<void>;

export class HostProber {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Set<string>();
  private stopped = false;

  constructor(
    private readonly hosts: HostRegistry,
    private readonly probe: ProbeFn,
    private readonly opts: { initialMs: number; maxMs: number; now?: () => number },
  ) {
    hosts.on('down', (h) => this.schedule(h, this.opts.initialMs));
    hosts.on('up', () => this.arm());
  }

  /** Schedules probes for hosts restored as Down after a restart. */
  start(): void {
    for (const h of this.hosts.all()) if (h.status === 'down' && h.nextProbeAt === undefined) this.schedule(h, 0);
  }

  /** Probes a host now (the operator's "retry now" on a Down host). */
  probeNow(key: string): void {
    const h = this.hosts.get(key);
    if (h && h.status === 'down') this.schedule(h, 0);
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
      this.running.add(h.key);
      const dest = h.destination;
      this.probe(dest).then(
        () => {
          this.running.delete(h.key);
          if (!this.stopped) this.hosts.hostAnswered(h.key, 'probe');
          this.arm();
        },
        (err: RelayError) => {
          this.running.delete(h.key);
          h.probeFailures++;
          h.lastError = err.toLine?.() ?? String(err);
          const delay = Math.min(this.opts.initialMs * 2 ** h.probeFailures, this.opts.maxMs);
          this.schedule(h, delay);
        },
      );
    }
    this.arm();
  }
}
