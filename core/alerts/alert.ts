/**
 * alert: one decision of the notification rules (common/notification-rules.ts)
 * as the relay's own channels send it: the event name a webhook's JSON
 * carries (DESIGN.md "Contract additions": host-down, host-up, …), the host
 * and its name, when, and the words every other channel shows.
 */
import { EVENT_RULES, type NoticeKind, type RuleNotice } from '../../common/notification-rules.js';

/** Event names by notice kind: the host states here, single events from their EVENT_RULES row. */
export const EVENT_NAMES: Record<NoticeKind, string> = {
  down: 'host-down',
  up: 'host-up',
  flapping: 'host-flapping',
  settled: 'host-settled',
  oldest: 'queue-old',
  disk: 'disk-low',
  credential: 'credential-refused',
  expiring: 'credential-expiring',
  lockout: 'auth-lockout',
  ...(Object.fromEntries(Object.entries(EVENT_RULES).map(([k, r]) => [k, r.event])) as Record<keyof typeof EVENT_RULES, string>),
};

export interface Alert {
  event: string;
  kind: NoticeKind;
  /** host:port (or graph:mailbox) of a host incident, else null. */
  host: string | null;
  /** The destination's name ("Exchange"), else null. */
  name: string | null;
  /** What a single event is about when not a host (a client address). */
  subject: string | null;
  /** ISO 8601, UTC. */
  at: string;
  title: string;
  text: string;
  /** This relay's hostname: an office may run several. */
  relay: string;
}

export function toAlert(n: RuleNotice, at: number, relay: string, nameOf: (host: string) => string | null): Alert {
  return {
    event: EVENT_NAMES[n.kind],
    kind: n.kind,
    host: n.host ?? null,
    name: n.host ? nameOf(n.host) : null,
    subject: n.subject ?? n.address ?? null,
    at: new Date(at).toISOString(),
    title: n.title,
    text: n.body,
    relay,
  };
}

/** Host incidents that mean "something is broken" (red), as opposed to recovered (green) or news (amber). */
export function severityOf(kind: NoticeKind): 'bad' | 'good' | 'warn' {
  if (kind === 'up') return 'good';
  if (kind === 'down' || kind === 'disk') return 'bad';
  return 'warn';
}
