/**
 * notice-text: the words of a notification — host down, back up, flapping,
 * settled, mail backing up, bounces, an AUTH lock-out — shared by the desktop shell and the
 * browser dashboard so both say the same thing, and the short duration
 * format they use ("2m 5s"). Pure: no clock, no locale. A reason is worded
 * by error-words.ts, as on every screen.
 */
import { errorWords } from './error-words.js';

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

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

export const noticeText = {
  down: (host: string, reason: string | null, queued: number | undefined, downMs: number) => ({
    title: `${host} is down`,
    body:
      // Worded as on every screen; Microsoft 365's codes come with their fix (the tray has no tooltip).
      `Unreachable for ${duration(downMs)}${reason ? `: ${errorWords(reason)?.words ?? reason}` : ''}.` +
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
  disk: (freePercent: number, freeBytes: number) => ({
    title: 'Disk nearly full',
    body: `Only ${freePercent.toFixed(1)}% (${Math.floor(freeBytes / 1048576)} MiB) is free where the relay keeps its queue. When it is full, new mail is refused.`,
  }),
  bounced: (recipients: number, spanMs: number | null) => ({
    title: recipients === 1 ? 'A message bounced' : 'Messages bounced',
    body:
      `${plural(recipients, 'recipient')} could not be delivered and bounced` +
      (spanMs === null ? '.' : ` in the last ${duration(spanMs)}.`) +
      ' The Bounces list says why.',
  }),
  // Microsoft's words and fix, as common/microsoft-errors.ts has them; the mail waits meanwhile.
  credentialRefused: (host: string, words: string, queued: number | undefined) => ({
    title: `${host}: credential refused by Microsoft`,
    body: `${words}.`.replace(/\.\.$/, '.') + (queued ? ` ${plural(queued, 'message')} waiting for it.` : ' Its mail waits until it is fixed.'),
  }),
  credentialExpiring: (host: string, warning: string) => ({
    title: `${host}: credential expiring`,
    body: `${warning.charAt(0).toUpperCase()}${warning.slice(1)}.`.replace(/\.\.$/, '.'),
  }),
  lockout: (address: string, listener: string, failures: number, windowSeconds: number, lockMs: number) => ({
    title: `Logins from ${address} locked out`,
    body:
      `${plural(failures, 'wrong password')} within ${duration(windowSeconds * 1000)} (listener ${listener}). ` +
      `Logins from that address are refused for ${duration(lockMs)}: a device with an old password, or someone guessing.`,
  }),
};
