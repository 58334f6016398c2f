/**
 * hosts: the `tophosts()` list for the Overview and the Hosts view, patched at once from `host`
 * events (a host shows Down before any refetch), and the per-host suspend/resume actions.
 */
import type { HostStatus, HostSummary } from '../../../../common/contract.js';
import type { ControlEvents } from '../../../../common/events.js';
import { asControlError, type RelayClient } from '../relay-client.js';
import { Refresher, realTimers, type Timers } from './refresher.js';

/** Overall state in one word, for the Overview headline. */
export type Flow = 'flowing' | 'degraded' | 'down' | 'suspended' | 'unknown' | 'none';

const RANK: Record<HostStatus, number> = { down: 0, unknown: 1, up: 2 };

export class HostsStore {
  list = $state.raw<HostSummary[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  readonly refresher: Refresher;
  private readonly timers: Timers;
  private probeTimer: unknown;

  constructor(
    private readonly client: RelayClient,
    opts: { minGapMs?: number; timers?: Timers } = {},
  ) {
    this.timers = opts.timers ?? realTimers;
    this.refresher = new Refresher(() => this.fetch(), opts.minGapMs ?? 1000, this.timers);
  }

  stop(): void {
    if (this.probeTimer !== undefined) this.timers.clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  load(): Promise<void> {
    return this.refresher.now();
  }

  /** Down first, then unknown, then up; busiest first within each. */
  get sorted(): HostSummary[] {
    return [...this.list].sort((a, b) => RANK[a.status] - RANK[b.status] || b.queued - a.queued || a.host.localeCompare(b.host));
  }

  get flow(): Flow {
    const l = this.list;
    if (l.length === 0) return 'none';
    const active = l.filter((h) => !h.suspended);
    if (active.length === 0) return 'suspended';
    const down = active.filter((h) => h.status === 'down').length;
    const up = active.filter((h) => h.status === 'up').length;
    if (down === active.length) return 'down';
    if (down > 0) return 'degraded';
    if (up === 0) return 'unknown';
    return 'flowing';
  }

  private async fetch(): Promise<void> {
    try {
      this.list = await this.client.tophosts({ sort: 'down' });
      this.loaded = true;
      this.error = null;
      this.followProbes();
    } catch (e) {
      this.error = asControlError(e).message;
    }
  }

  /**
   * A probe of a Down host raises no event (only its outcome does, when the host comes back), so
   * "checked 2s ago · next check in 3s" would freeze: refetch just after the next probe is due.
   * At most one fetch per probe cadence, within the refresher's gap; nothing while every host is up.
   */
  private followProbes(): void {
    this.stop();
    const due = this.list.filter((h) => h.status === 'down' && !h.suspended && h.nextProbeAt !== null).map((h) => h.nextProbeAt!);
    if (due.length === 0) return;
    const wait = Math.max(0, Math.min(...due) - this.timers.now()) + 300;
    this.probeTimer = this.timers.setTimeout(() => {
      this.probeTimer = undefined;
      this.refresher.request();
    }, wait);
  }

  /** Patches the host at once, then refetches the counters. */
  onHostEvent(ev: ControlEvents['host'], at: number): void {
    const i = this.list.findIndex((h) => h.host === ev.host);
    // status === previous (a suspension change) is not a transition: only the
    // refresh below applies it, and `since` keeps the last real change.
    if (i >= 0 && ev.status !== ev.previous) {
      const h = this.list[i]!;
      const next: HostSummary = {
        ...h,
        status: ev.status,
        since: at,
        queued: ev.queued,
        lastError: ev.status === 'down' ? (ev.reason ?? h.lastError) : h.lastError,
        lastErrorAt: ev.status === 'down' && ev.reason ? at : h.lastErrorAt,
        nextProbeAt: ev.status === 'down' ? h.nextProbeAt : null,
      };
      this.list = this.list.with(i, next);
    }
    this.refresher.request();
  }

  private replace(h: HostSummary): void {
    const i = this.list.findIndex((x) => x.host === h.host);
    this.list = i >= 0 ? this.list.with(i, h) : [...this.list, h];
  }

  async setSuspended(host: string, suspended: boolean): Promise<void> {
    try {
      const h = suspended ? await this.client.suspend({ host }) : await this.client.resume({ host });
      this.replace(h);
    } catch (e) {
      throw asControlError(e);
    }
  }
}
