/**
 * host-history: the `history` operation: the delivery statistics' samples and
 * each host's up/down periods over the last 24 hours (the Charts view and the
 * host cards' timelines), from the registry's transition history.
 */
import type { HostRegistry, HostState } from '../hosts/host-registry.js';
import type { DeliveryStats } from '../queue/delivery-stats.js';
import type { HistoryResult } from './contract.js';

export function hostHistory(hosts: HostRegistry, stats: DeliveryStats, now: number): HistoryResult {
  const from = now - 24 * 3600_000;
  return { samples: stats.series(), recent: stats.recent(), hosts: hosts.all().map((h) => ({ host: h.key, name: h.destination?.name ?? null, periods: periodsOf(h, from) })), at: now };
}

/** Up/down periods of one host since `from`, from its transition history. */
function periodsOf(h: HostState, from: number): HistoryResult['hosts'][number]['periods'] {
  const out: HistoryResult['hosts'][number]['periods'] = [];
  const hist = h.history;
  for (let i = 0; i < hist.length; i++) {
    const cur = hist[i]!;
    const end = hist[i + 1]?.at ?? null;
    if (end !== null && end < from) continue;
    out.push({ status: cur.status, from: Math.max(cur.at, from), to: end, reason: cur.reason ?? null });
  }
  return out;
}
