/**
 * history: the core's own history (queue depth and delivery every 5 s for an hour and per
 * minute for 24 h, host up/down periods) for the Charts view and the Hosts timelines, patched live from `host` events.
 */
import type { HistoryResult } from '../../../../common/contract.js';
import type { ControlEvents } from '../../../../common/events.js';
import type { RelayClient } from '../relay-client.js';
import { OpenStore } from './open-store.svelte.js';
import type { Timers } from './refresher.js';

export type Period = HistoryResult['hosts'][number]['periods'][number];

export class HistoryStore extends OpenStore<HistoryResult> {
  constructor(
    private readonly client: RelayClient,
    opts: { minGapMs?: number; timers?: Timers } = {},
  ) {
    // The finest samples are 5 s apart: refetching more often would show nothing new.
    // Fetches follow queue and host events, so an idle relay costs no requests.
    super(opts.minGapMs ?? 5_000, opts.timers);
  }

  protected load(): Promise<HistoryResult> {
    return this.client.history();
  }

  periodsOf(host: string): Period[] {
    return this.data?.hosts.find((h) => h.host === host)?.periods ?? [];
  }

  onChanged(): void {
    this.changed();
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
