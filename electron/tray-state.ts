/**
 * tray-state: which icon the tray shows and the facts its tooltip gives, from
 * the hosts and the queue. Pure; a rule table where the first match wins.
 */
import type { HostSummary, StatusResult } from '../common/contract.js';
import type { TrayIconState } from './ports.js';
import { trayToolTip } from './shell-text.js';

export interface TrayFacts {
  hosts: readonly HostSummary[];
  queue: StatusResult['queue'];
}

export interface TrayThresholds {
  /** The queue is "backing up" once its oldest message has waited this long. */
  oldestSeconds: number;
  /** …or once this many recipients wait, whatever their age. */
  queuedRecipients: number;
}

export const DEFAULT_TRAY_THRESHOLDS: TrayThresholds = { oldestSeconds: 3600, queuedRecipients: 1000 };

interface TrayRule {
  icon: TrayIconState;
  when: (f: TrayFacts, t: TrayThresholds) => boolean;
}

// The order is the priority: an operator's suspension explains everything
// else; a Down host matters more than a slow queue.
export const TRAY_RULES: readonly TrayRule[] = [
  // Every host suspended by the operator: nothing is being delivered, on purpose.
  { icon: 'suspended', when: (f) => f.hosts.length > 0 && f.hosts.every((h) => h.suspended) },
  // A suspended host that is also Down is not news: nobody is waiting on it.
  { icon: 'alert', when: (f) => f.hosts.some((h) => h.status === 'down' && !h.suspended) },
  // Microsoft refused a credential, or one expires within 14 days: the admin has something to do.
  { icon: 'warning', when: (f) => f.hosts.some(hasCredentialProblem) },
  {
    icon: 'warning',
    when: (f, t) => (f.queue.oldestMessageAgeSeconds ?? 0) >= t.oldestSeconds || f.queue.recipients >= t.queuedRecipients,
  },
  { icon: 'normal', when: () => true },
];

export interface TrayView {
  icon: TrayIconState;
  toolTip: string;
  downHosts: string[];
  suspendedHosts: string[];
  /** Hosts whose credential Microsoft refused or that expires soon (keys); the menu offers them. */
  credentialHosts: string[];
  queuedRecipients: number;
  queuedMessages: number;
}

const label = (h: HostSummary): string => h.name ?? h.host;
const hasCredentialProblem = (h: HostSummary): boolean => !!(h.credentialRefused ?? h.credentialWarning);

export function trayView(f: TrayFacts, t: TrayThresholds = DEFAULT_TRAY_THRESHOLDS): TrayView {
  const icon = TRAY_RULES.find((r) => r.when(f, t))?.icon ?? 'normal';
  const downHosts = f.hosts.filter((h) => h.status === 'down').map((h) => h.host);
  const suspendedHosts = f.hosts.filter((h) => h.suspended).map((h) => h.host);
  return {
    icon,
    toolTip: trayToolTip({
      icon,
      // Words the admin chose ("Exchange") where there are any; keys otherwise.
      downHosts: f.hosts.filter((h) => h.status === 'down').map(label),
      suspendedHosts: f.hosts.filter((h) => h.suspended).map(label),
      credentialHosts: f.hosts.filter(hasCredentialProblem).map(label),
      hostCount: f.hosts.length,
      messages: f.queue.messages,
      recipients: f.queue.recipients,
      oldestSeconds: f.queue.oldestMessageAgeSeconds,
    }),
    downHosts,
    suspendedHosts,
    credentialHosts: f.hosts.filter(hasCredentialProblem).map((h) => h.host),
    queuedRecipients: f.queue.recipients,
    queuedMessages: f.queue.messages,
  };
}
