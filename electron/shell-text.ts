/**
 * shell-text: every sentence the desktop shell shows or logs (tray tooltip and
 * menu, notifications, its own log lines) and the short duration format, so
 * wording is reviewed in one place, as core/log/log-lines.ts is for the mail log.
 */
import type { TrayIconState } from './ports.js';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** "45s", "2m 5s", "3h 20m", "2d 4h": two units at most, as people say it. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m ${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

const listHosts = (hosts: readonly string[], max = 3): string =>
  hosts.length <= max ? hosts.join(', ') : `${hosts.slice(0, max).join(', ')} and ${hosts.length - max} more`;

export function trayToolTip(f: {
  icon: TrayIconState;
  downHosts: readonly string[];
  suspendedHosts: readonly string[];
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
  if (f.messages === 0) lines.push('Queue empty');
  else {
    const oldest = f.oldestSeconds === null ? '' : `, oldest ${duration(f.oldestSeconds * 1000)}`;
    lines.push(`${plural(f.messages, 'message')} queued${oldest}`);
  }
  // Windows truncates tray tooltips at 127 characters.
  return lines.join('\n').slice(0, 127);
}

export const menuText = {
  open: 'Open Relaywatch',
  retryAll: (recipients: number) => (recipients ? `Retry all now (${recipients})` : 'Retry all now'),
  suspendAll: 'Suspend delivery',
  resumeAll: 'Resume delivery',
  toggleLogin: 'Start at login',
  quit: 'Quit Relaywatch',
};

export const noticeText = {
  down: (host: string, reason: string | null, queued: number | undefined, downMs: number) => ({
    title: `${host} is down`,
    body:
      `Unreachable for ${duration(downMs)}${reason ? `: ${reason}` : ''}.` +
      (queued ? ` ${plural(queued, 'message')} waiting for it.` : ' Mail for it waits in the queue.'),
  }),
  // `queued` counts the recipients waiting for the host (the unit of ESA's
  // tophosts): one per message for the single-recipient mail of printers
  // and scanners.
  up: (host: string, downMs: number, queued: number) => ({
    title: `${host} is back up`,
    body: `Down for ${duration(downMs)}.` + (queued ? ` Delivering ${plural(queued, 'queued message')} now.` : ' Nothing was waiting for it.'),
  }),
  flapping: (host: string, downs: number, spanMs: number) => ({
    title: `${host} keeps going down`,
    body: `Down ${downs} times in ${duration(spanMs)}. Further ups and downs are summarised once it settles.`,
  }),
  settled: (host: string, up: boolean, downs: number, spanMs: number) => ({
    title: up ? `${host} is stable again` : `${host} is still down`,
    body: `It went down ${plural(downs, 'time')} in ${duration(spanMs)}; ` + (up ? 'it has stayed up since.' : 'it has not come back since.'),
  }),
  oldest: (ageSeconds: number, messages: number) => ({
    title: 'Mail is backing up',
    body: `The oldest of ${plural(messages, 'queued message')} has waited ${duration(ageSeconds * 1000)}.`,
  }),
  bounced: (recipients: number, spanMs: number | null) => ({
    title: recipients === 1 ? 'A message bounced' : 'Messages bounced',
    body:
      `${plural(recipients, 'recipient')} could not be delivered and bounced` +
      (spanMs === null ? '.' : ` in the last ${duration(spanMs)}.`) +
      ' The mail log says why.',
  }),
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
