/**
 * shell-text: every sentence the desktop shell shows or logs (tray tooltip and
 * menu, its own log lines), reviewed in one place as core/log/log-lines.ts is
 * for the mail log; a notification's words are common/notice-text.ts.
 */
import { errorWords } from '../common/error-words.js';
import { duration, plural } from '../common/notice-text.js';
import type { TrayIconState } from './ports.js';

// Notification wording moved to common/notice-text.ts (the browser dashboard says the same).
export { duration, noticeText } from '../common/notice-text.js';

const listHosts = (hosts: readonly string[], max = 3): string =>
  hosts.length <= max ? hosts.join(', ') : `${hosts.slice(0, max).join(', ')} and ${hosts.length - max} more`;

export function trayToolTip(f: {
  icon: TrayIconState;
  downHosts: readonly string[];
  suspendedHosts: readonly string[];
  credentialHosts?: readonly string[];
  hostCount: number;
  messages: number;
  recipients: number;
  oldestSeconds: number | null;
}): string {
  const lines = ['Relaywatch'];
  if (f.icon === 'suspended') lines.push('Delivery suspended');
  if (f.downHosts.length) lines.push(`${plural(f.downHosts.length, 'host')} down: ${listHosts(f.downHosts)}`);
  else if (f.hostCount > 0) lines.push(f.hostCount === 1 ? 'Host up' : `All ${f.hostCount} hosts up`);
  if (f.suspendedHosts.length && f.icon !== 'suspended') lines.push(`Suspended: ${listHosts(f.suspendedHosts)}`);
  // Before the queue line: the tooltip is cut at 127 characters and this needs the admin.
  if (f.credentialHosts?.length) lines.push(`Check credential: ${listHosts(f.credentialHosts, 2)}`);
  if (f.messages === 0) lines.push('Queue empty');
  else {
    const oldest = f.oldestSeconds === null ? '' : `, oldest ${duration(f.oldestSeconds * 1000)}`;
    lines.push(`${plural(f.messages, 'message')} queued${oldest}`);
  }
  // Windows truncates tray tooltips at 127 characters.
  return lines.join('\n').slice(0, 127);
}

/**
 * A watched relay's link (relay-link-notices.ts): desktop only, as only the app watches
 * several relays. Its mail is not ours to see while the link is down, so the words say
 * what is known (no answer) and not what is guessed (that its mail stopped).
 */
export const linkNoticeText = {
  unreachable: (relay: string, reason: string, downMs: number) => ({
    title: `Relay '${relay}' cannot be reached`,
    body: `No answer for ${duration(downMs)}: ${errorWords(reason)?.words ?? reason}. Its hosts and queue are not shown until it answers; Relaywatch keeps trying.`,
  }),
  reachable: (relay: string, downMs: number) => ({
    title: `Relay '${relay}' answers again`,
    body: `Out of reach for ${duration(downMs)}. Its hosts and queue are shown again.`,
  }),
  revoked: (relay: string) => ({
    title: `Relay '${relay}': access revoked`,
    body: 'It no longer accepts this app’s token. Make a new connection code with `relaywatch pair` on that relay and watch it again.',
  }),
  refused: (relay: string) => ({
    title: `Relay '${relay}': certificate changed`,
    body: 'It answered with a certificate that is not the one paired, so Relaywatch stopped before sending its token. If its certificate was renewed, pair again.',
  }),
};

export const menuText = {
  open: 'Open Relaywatch',
  retryAll: (recipients: number) => (recipients ? `Retry all now (${recipients})` : 'Retry all now'),
  suspendAll: 'Suspend delivery',
  resumeAll: 'Resume delivery',
  onRelay: (label: string, relay: string) => `${label} on '${relay}'`,
  toggleLogin: 'Start at login',
  runAsService: 'Run the relay as a service…',
  runInApp: 'Run the relay in this app again…',
  quit: 'Quit Relaywatch',
  credential: (hosts: readonly string[]) => `Check the Microsoft 365 credential of ${listHosts(hosts, 2)}…`,
};

export const shellLines = {
  mode: (mode: 'desktop' | 'headless', why: string) => `relaywatch: ${mode === 'desktop' ? 'desktop app' : 'headless relay (relaywatch serve)'}: ${why}`,
  dashboard: (url: string) => `relaywatch: dashboard ${url}`,
  dashboardUnknown: (why: string) => `relaywatch: cannot read the dashboard address: ${why}`,
  ipcRefused: (channel: string, frameUrl: string | null) => `Desktop: IPC ${channel} refused from untrusted frame ${frameUrl ?? '(gone)'}`,
  ipcFailed: (channel: string, message: string) => `Desktop: IPC ${channel} failed: ${message}`,
  menuFailed: (action: string, message: string) => `Desktop: tray action ${action} failed: ${message}`,
  refreshFailed: (message: string) => `Desktop: tray refresh failed: ${message}`,
  notice: (title: string, body: string) => `Desktop: notification "${title}": ${body}`,
  settingsUnreadable: (file: string, why: string) => `Desktop: settings file ${file} ignored (${why}); using defaults until saved`,
  navigationBlocked: (url: string) => `Desktop: navigation to ${url.slice(0, 200)} blocked`,
  windowOpenBlocked: (url: string) => `Desktop: new window for ${url.slice(0, 200)} blocked`,
  permissionDenied: (permission: string) => `Desktop: permission request "${permission}" denied`,
  windowLoadFailed: (why: string) => `Desktop: the window did not load: ${why}`,
  appFileFailed: (url: string, why: string) => `Desktop: ${url.slice(0, 200)} not served: ${why}`,
};

/** The "Run the relay as a service" dialogs (main.ts shows them; service-handover/ does the work). */
export const serviceText = {
  askHandOver: {
    title: 'Run the relay as a service?',
    confirm: 'Run as a service',
    detail:
      'The relay will run as a service of this computer: it starts at boot, without anyone logged in, and keeps running when this app is closed. ' +
      'This app then only watches it. Mail waiting now is kept and delivered by the service. This runs `relaywatch service install` (the relaywatch command must be installed; Windows asks for an administrator). ' +
      'Passwords and secrets kept in this app\'s keychain do not move: give them to the service in its environment file (README, "Run it as a service").',
  },
  askTakeBack: {
    title: 'Run the relay in this app again?',
    confirm: 'Run in this app',
    detail: 'The service will be stopped and removed, and this app runs the relay again, with the same settings and the mail waiting. It then runs only while the app does.',
  },
  handedOver: 'The relay now runs as a service; this app watches it.',
  tookBack: 'The relay runs in this app again.',
  failed: 'The relay could not be moved',
  rolledBack: 'The relay runs in this app as before.',
};
