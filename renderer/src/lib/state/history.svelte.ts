/**
 * history: the core's own history (queue depth and delivery every 5 s for an hour and per
 * minute for 24 h, host up/down periods) for the Charts view and the Hosts timelines, patched live from `host` events.
 */
import type { HistoryResult } from '../../../../common/contract.js';
import type { ControlEvents } from '../../../../common/events.js';
import { asControlError, type RelayClient } from '../relay-client.js';
import { Refresher, realTimers, type Timers } from './refresher.js';

export type Period = HistoryResult['hosts'][number]['periods'][number];

export class HistoryStore {
  data = $state.raw<HistoryResult | null>(null);
  error = $state<string | null>(null);
  readonly refresher: Refresher;
  private readers = 0;
  private stale = true;

  constructor(
    private readonly client: RelayClient,
    opts: { minGapMs?: number; timers?: Timers } = {},
  ) {
    // The finest samples are 5 s apart: refetching more often would show nothing new.
    // Fetches follow queue and host events, so an idle relay costs no requests.
    this.refresher = new Refresher(() => this.fetch(), opts.minGapMs ?? 5_000, opts.timers ?? realTimers);
  }

  /** A view showing history opened; returns the function to call when it closes. */
  open(): () => void {
    this.readers++;
    if (this.stale || !this.data) void this.refresher.now();
    return () => {
      this.readers--;
      if (this.readers === 0) this.refresher.cancel();
    };
  }

  periodsOf(host: string): Period[] {
    return this.data?.hosts.find((h) => h.host === host)?.periods ?? [];
  }

  private async fetch(): Promise<void> {
    this.stale = false;
    try {
      this.data = await this.client.history();
      this.error = null;
    } catch (e) {
      this.error = asControlError(e).message;
    }
  }

  onChanged(): void {
    this.stale = true;
    if (this.readers > 0) this.refresher.request();
  }

  onHostEvent(ev: ControlEvents['host'], at: number): void {
    const d = this.data;
    // status === previous: not a transition (e.g. a suspension): no new period.
    if (d && ev.status !== ev.previous && (ev.status === 'up' || ev.status === 'down')) {
      const known = d.hosts.some((h) => h.host === ev.host);
      const hosts = (known ? d.hosts : [...d.hosts, { host: ev.host, periods: [] }]).map((h) => {
        if (h.host !== ev.host) return h;
        const closed = h.periods.map((p) => (p.to === null ? { ...p, to: at } : p));
        return { host: h.host, periods: [...closed, { status: ev.status as 'up' | 'down', from: at, to: null, reason: ev.reason }] };
      });
      this.data = { ...d, hosts };
    }
    this.onChanged();
  }
}
