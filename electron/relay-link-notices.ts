/**
 * relay-link-notices: tells the person when a watched relay cannot be reached and when it
 * answers again, as a Down host is told: only after the grace period (a relay restarting
 * for a config change is back within seconds; that is not news), under the same switches.
 * A revoked token or a changed certificate is said at once: only the admin can mend it.
 */
import type { NotificationSettings, TimerPort } from '../common/notification-rules.js';
import type { Notice, NotifierPort } from './ports.js';
import type { ConnectionState, RelayConnection } from './relay-connection.js';
import { linkNoticeText } from './shell-text.js';

export interface LinkNoticeDeps {
  notifier: NotifierPort;
  timers: TimerPort;
  /** Read at each decision, so a change in the window applies to the next one. */
  settings: () => NotificationSettings;
  /** A click on a notice: the window, on this relay. */
  open: () => void;
  /** Where a notice goes when the OS has no notification service. */
  log: (line: string) => void;
}

/** Follows one relay's link until the returned function is called. A local relay's link never changes. */
export function followLink(conn: Pick<RelayConnection, 'name' | 'state' | 'onState'>, d: LinkNoticeDeps): () => void {
  let cancelGrace: (() => void) | undefined;
  /** When the link went, once its unreachable notice went out: the way back is news too. */
  let toldSince: number | undefined;
  let last: ConnectionState['kind'] = 'connecting';

  const notify = (n: Notice): void => {
    if (d.notifier.isSupported()) d.notifier.show(n, d.open);
    else d.log(`Desktop: ${n.title}: ${n.body}`);
  };
  const stopGrace = (): void => {
    cancelGrace?.();
    cancelGrace = undefined;
  };
  const onState = (s: ConnectionState): void => {
    const was = last;
    last = s.kind;
    if (s.kind === 'unreachable') {
      // Retries keep it unreachable (and its first `since`): one grace period per outage.
      if (cancelGrace || toldSince !== undefined) return;
      const wait = Math.max(0, s.since + d.settings().graceSeconds * 1000 - d.timers.now());
      cancelGrace = d.timers.after(wait, () => {
        cancelGrace = undefined;
        const now = conn.state;
        if (now.kind !== 'unreachable' || !d.settings().hostDown) return;
        toldSince = now.since;
        notify(linkNoticeText.unreachable(conn.name, now.reason, d.timers.now() - now.since));
      });
      return;
    }
    stopGrace();
    if (s.kind === 'connected' && toldSince !== undefined) {
      const downMs = d.timers.now() - toldSince;
      toldSince = undefined;
      if (d.settings().hostUp) notify(linkNoticeText.reachable(conn.name, downMs));
    } else if ((s.kind === 'revoked' || s.kind === 'refused') && was !== s.kind) {
      toldSince = undefined;
      notify(s.kind === 'revoked' ? linkNoticeText.revoked(conn.name) : linkNoticeText.refused(conn.name));
    }
  };
  const off = conn.onState(onState);
  // Watched while already unreachable (the app starting with the relay away): the same grace.
  if (conn.state.kind !== 'connected' && conn.state.kind !== 'connecting') onState(conn.state);
  return () => {
    stopGrace();
    off();
  };
}
