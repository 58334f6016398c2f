/**
 * host-summary: one host as the contract shows it (tophosts' rows, hoststatus, suspend/resume's
 * answer): the registry's state beside the queue's per-host counts, probing only while Down, and
 * credential warnings. Pure reads; commands.ts calls it.
 */
import type { HostProber } from '../hosts/host-prober.js';
import type { HostState } from '../hosts/host-registry.js';
import { destinationCertificateWarning, expiredSecretWarning } from '../oauth/certificate-expiry.js';
import type { MessageQueue } from '../queue/message-queue.js';
import type { ArgOf, HostDetail, HostSummary } from './contract.js';

export interface HostSummaryDeps {
  queue: Pick<MessageQueue, 'pendingCountForHost'>;
  prober: Pick<HostProber, 'cadenceMs'>;
  now: number;
}

export function hostSummary(h: HostState, d: HostSummaryDeps): HostSummary {
  const counts = d.queue.pendingCountForHost(h.key);
  const waiting = counts.pending - counts.active;
  const down = h.status === 'down';
  const credentialWarning = destinationCertificateWarning(h.destination, d.now) ?? (h.credentialRefused ? expiredSecretWarning(h.lastError) : undefined);
  return {
    ...(credentialWarning ? { credentialWarning } : {}),
    ...(h.credentialRefused ? { credentialRefused: h.credentialRefused } : {}),
    host: h.key,
    name: h.destination?.name ?? null,
    status: h.status,
    since: h.since,
    suspended: h.suspended,
    activeConnections: h.activeConnections,
    queued: counts.pending,
    delivered: h.delivered,
    // Recipients of this host waiting now (not in an attempt): the ones
    // showrecipients --host lists as queued, all of them while it is Down.
    deferred: waiting,
    deferrals: h.deferred,
    hardBounced: h.failed,
    lastError: h.lastError ?? null,
    lastErrorAt: h.lastError === undefined ? null : (h.lastErrorAt ?? null),
    nextProbeAt: down ? (h.nextProbeAt ?? null) : null,
    lastProbeAt: down ? (h.lastProbeAt ?? null) : null,
    probeEverySeconds: down ? d.prober.cadenceMs(h) / 1000 : null,
  };
}

export function hostDetail(h: HostState, d: HostSummaryDeps): HostDetail {
  return {
    ...hostSummary(h, d),
    priority: h.destination?.priority ?? null,
    tls: h.destination?.tls ?? null,
    history: h.history.map((x) => ({ status: x.status, at: x.at, reason: x.reason ?? null })),
  };
}

const RANK = { down: 0, unknown: 1, up: 2 } as const;

/** tophosts' orders: Down first, most deferred first, or (ESA's default) busiest first. */
export function sortHosts(rows: HostSummary[], sort: NonNullable<ArgOf<'tophosts'>>['sort'] = 'active'): HostSummary[] {
  return rows.sort((a, b) => {
    if (sort === 'down') return RANK[a.status] - RANK[b.status] || b.queued - a.queued;
    if (sort === 'deferred') return b.deferred - a.deferred || b.queued - a.queued;
    return b.activeConnections - a.activeConnections || b.queued - a.queued || a.host.localeCompare(b.host);
  });
}
