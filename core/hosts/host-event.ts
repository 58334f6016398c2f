/**
 * host-event: the payload of the `host` control event (common/events.ts),
 * built here once for both causes: an Up/Down transition of the registry and
 * an operator's suspend/resume (which changes no status but must reach every
 * live view at once). `queued` comes from the caller: hosts know no recipients.
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

/** Suspension or resumption: the same status twice, so views refresh without a transition. */
export function hostSuspensionEvent(h: HostState, reason: string, queued: number): HostEvent {
  return { host: h.key, name: h.destination?.name ?? null, status: h.status, previous: h.status, reason, downSeconds: null, queued };
}
