/** The combined tray for several relays: worst state wins, a suspended relay counts only when all are; one line per relay; a link down never shows stale facts. */
import { describe, expect, it } from 'vitest';
import { combinedTray, relayTrayLine, worstIcon } from '../../electron/relays-tray.js';
import { trayView } from '../../electron/tray-state.js';
import { host, queue } from '../helpers/fake-electron.js';

const up = trayView({ hosts: [host({ host: 'a:25', name: 'Exchange', status: 'up' })], queue: queue() });
const down = trayView({ hosts: [host({ host: 'a:25', name: 'Exchange', status: 'down' })], queue: queue() });
const NOW = 1_700_000_000_000;

describe('combined tray', () => {
  it('worst of all: alert > warning > normal; suspended only when every relay is', () => {
    expect(worstIcon(['normal', 'alert', 'warning'])).toBe('alert');
    expect(worstIcon(['normal', 'warning'])).toBe('warning');
    expect(worstIcon(['suspended', 'normal'])).toBe('normal');
    expect(worstIcon(['suspended', 'suspended'])).toBe('suspended');
    expect(worstIcon([])).toBe('normal');
  });

  it('one relay down and one normal: alert, the tooltip names both, the worst first', () => {
    const t = combinedTray(
      [
        { name: 'Head office', state: { kind: 'connected' }, view: up },
        { name: 'Branch office', state: { kind: 'connected' }, view: down },
      ],
      NOW,
    );
    expect(t.icon).toBe('alert');
    expect(t.toolTip.split('\n')).toEqual(['Relaywatch', 'Branch office: 1 host down: Exchange, Queue empty', 'Head office: Host up, Queue empty']);
  });

  it('one relay alone keeps its own tooltip word for word', () => {
    expect(combinedTray([{ name: 'This computer', state: { kind: 'connected' }, view: down }], NOW)).toEqual({ icon: 'alert', toolTip: down.toolTip });
  });

  it('a link that is down shows that, not the last facts seen', () => {
    expect(relayTrayLine({ name: 'Branch', state: { kind: 'unreachable', since: NOW - 5 * 60_000, reason: 'ECONNREFUSED' }, view: up }, NOW)).toEqual({ icon: 'alert', line: 'Branch: unreachable for 5m' });
    expect(relayTrayLine({ name: 'Branch', state: { kind: 'revoked', reason: 'x' }, view: up }, NOW)).toEqual({ icon: 'warning', line: 'Branch: access revoked, pair again' });
    expect(relayTrayLine({ name: 'Branch', state: { kind: 'refused', reason: 'x' }, view: up }, NOW).icon).toBe('warning');
  });
});
