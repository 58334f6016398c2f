/**
 * relays-tray: the one tray icon and tooltip for every watched relay: the
 * worst state of all (rules as data), one tooltip line per relay. Pure; the
 * relay set feeds it each relay's own tray view and link state.
 */
import type { ConnectionState } from './relay-connection.js';
import type { TrayIconState } from './ports.js';
import { duration } from './shell-text.js';
import type { TrayView } from './tray-state.js';

/** Severity, worst last. A suspended relay is the operator's choice, not news: it counts only when every relay is suspended (as hosts do in tray-state.ts). */
export const ICON_SEVERITY: Readonly<Record<TrayIconState, number>> = { suspended: 0, normal: 1, warning: 2, alert: 3 };

/**
 * What a link problem shows, whatever the relay's last known picture: a relay
 * nobody can reach may be failing to deliver (alert); a revoked token or a
 * foreign certificate needs the admin but says nothing about mail (warning).
 */
export const LINK_ICON: Readonly<Record<ConnectionState['kind'], TrayIconState | undefined>> = {
  connected: undefined,
  connecting: 'normal',
  unreachable: 'alert',
  revoked: 'warning',
  refused: 'warning',
};

export interface RelayTrayInput {
  name: string;
  state: ConnectionState;
  /** The relay's own tray view; undefined before its first refresh. */
  view: TrayView | undefined;
}

export interface RelayTrayLine {
  icon: TrayIconState;
  /** "Branch office: 1 host down: Exchange" */
  line: string;
}

/** One relay's icon and tooltip line. Stale data is never shown for a link that is down. */
export function relayTrayLine(r: RelayTrayInput, now: number): RelayTrayLine {
  const link = LINK_ICON[r.state.kind];
  if (r.state.kind === 'unreachable') return { icon: link!, line: `${r.name}: unreachable for ${duration(Math.max(0, now - r.state.since))}` };
  if (r.state.kind === 'revoked') return { icon: link!, line: `${r.name}: access revoked, pair again` };
  if (r.state.kind === 'refused') return { icon: link!, line: `${r.name}: certificate changed, pair again` };
  if (r.state.kind === 'connecting' || !r.view) return { icon: 'normal', line: `${r.name}: connecting…` };
  // The relay's own summary without its "Relaywatch" heading, on one line.
  const facts = r.view.toolTip.split('\n').slice(1).join(', ');
  return { icon: r.view.icon, line: `${r.name}: ${facts}` };
}

export function worstIcon(icons: readonly TrayIconState[]): TrayIconState {
  if (icons.length === 0) return 'normal';
  if (icons.every((i) => i === 'suspended')) return 'suspended';
  return icons.filter((i) => i !== 'suspended').reduce((a, b) => (ICON_SEVERITY[b] > ICON_SEVERITY[a] ? b : a), 'normal');
}

/** The tray for all relays. One relay alone keeps today's tooltip, word for word. */
export function combinedTray(relays: readonly RelayTrayInput[], now: number): { icon: TrayIconState; toolTip: string } {
  const only = relays.length === 1 ? relays[0]! : undefined;
  if (only?.state.kind === 'connected' && only.view) return { icon: only.view.icon, toolTip: only.view.toolTip };
  const lines = relays.map((r) => relayTrayLine(r, now));
  // Worst first: the tooltip is cut at 127 characters (Windows) and the worst is the news.
  const sorted = [...lines].sort((a, b) => ICON_SEVERITY[b.icon] - ICON_SEVERITY[a.icon]);
  return { icon: worstIcon(lines.map((l) => l.icon)), toolTip: ['Relaywatch', ...sorted.map((l) => l.line)].join('\n').slice(0, 127) };
}
