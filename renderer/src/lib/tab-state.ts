/**
 * tab-state: the browser tab's title and favicon, so a background tab still shows that a mail
 * server is down (any active host Down → alert; relay unreachable → warning; else normal).
 */
import type { HostSummary } from '../../../common/contract.js';
import type { ConnectionState } from './relay-client.js';

export type TabIcon = 'normal' | 'alert' | 'warning';

export interface TabState {
  title: string;
  icon: TabIcon;
}

const APP = 'Relaywatch';

// No grace period, unlike notifications: the tab shows the state now, as the Overview does.
export function tabState(hosts: readonly HostSummary[], connection: ConnectionState): TabState {
  if (connection === 'reconnecting' || connection === 'closed') return { title: `⚠ Relay unreachable — ${APP}`, icon: 'warning' };
  // The destination's name ("⚠ Exchange down") where the admin gave one, as everywhere else.
  const down = hosts.filter((h) => h.status === 'down' && !h.suspended).map((h) => h.name ?? h.host);
  if (down.length === 1) return { title: `⚠ ${down[0]} down — ${APP}`, icon: 'alert' };
  if (down.length > 1) return { title: `⚠ ${down.length} hosts down — ${APP}`, icon: 'alert' };
  return { title: APP, icon: 'normal' };
}

// One envelope-shaped glyph on a coloured disc: green, red with "!", amber.
const COLOURS: Record<TabIcon, string> = { normal: '#17753a', alert: '#b3261e', warning: '#b07400' };

export function faviconHref(icon: TabIcon): string {
  const mark =
    icon === 'normal'
      ? '<path d="M9 12h14v9H9z M9 12l7 5 7-5" fill="none" stroke="#fff" stroke-width="2" stroke-linejoin="round"/>'
      : '<path d="M16 8v10" stroke="#fff" stroke-width="3.4" stroke-linecap="round"/><circle cx="16" cy="23.5" r="2" fill="#fff"/>';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" data-state="${icon}"><circle cx="16" cy="16" r="15" fill="${COLOURS[icon]}"/>${mark}</svg>`;
  // A data URL: the CSP allows `img-src data:`.
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}
