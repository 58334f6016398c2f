/**
 * host-event: the payload of the `host` control event (common/events.ts),
 * built here once for both causes: an Up/Down transition of the registry, and
 * a change of no status that must reach every live view at once (an operator's
 * suspend/resume, the last connection closing). `queued` comes from the caller:
 * hosts know no recipients.
 */
import type { ControlEvents } from '../../common/events.js';
import type { HostState } from './host-registry.js';

export type HostEvent = ControlEvents['host'];

/** After an Up/Down transition: previous status from the history, and how long it was down. */
export function hostTransitionEvent(h: HostState, reason: string | null, queued: number): HostEvent {
  const last = h.history.at(-2);
  return {
    host: h.key,
    name: h.destination?.name ?? null,
    status: h.status,
    previous: last?.status ?? 'unknown',
    reason,
    downSeconds: h.status === 'up' && last?.status === 'down' ? Math.round((h.since - last.at) / 1000) : null,
    queued,
  };
}

/**
 * No transition (a suspension or resumption, the last connection closing): the same status
 * twice, so every view refreshes the host and none counts it as Up or Down news.
 */
export function hostRefreshEvent(h: HostState, reason: string | null, queued: number): HostEvent {
  return { host: h.key, name: h.destination?.name ?? null, status: h.status, previous: h.status, reason, downSeconds: null, queued };
}
