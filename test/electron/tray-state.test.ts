import { describe, expect, it } from 'vitest';
import { TRAY_RULES, trayView } from '../../electron/tray-state.js';
import { host, queue } from '../helpers/fake-electron.js';

const thresholds = { oldestSeconds: 600, queuedRecipients: 50 };

describe('tray state', () => {
  it('is normal when every host is up and the queue is young', () => {
    const v = trayView({ hosts: [host({ host: 'a:25' }), host({ host: 'b:25' })], queue: queue({ messages: 2, recipients: 2, oldestMessageAgeSeconds: 30 }) }, thresholds);
    expect(v.icon).toBe('normal');
    expect(v.toolTip).toContain('All 2 hosts up');
    expect(v.toolTip).toContain('2 messages queued, oldest 30s');
  });

  it('alerts when some host is down, naming it in the tooltip', () => {
    const v = trayView({ hosts: [host({ host: 'a:25' }), host({ host: 'b:25', status: 'down' })], queue: queue({ messages: 1, recipients: 1 }) }, thresholds);
    expect(v.icon).toBe('alert');
    expect(v.downHosts).toEqual(['b:25']);
    expect(v.toolTip).toContain('1 host down: b:25');
  });

  it('names a down host by its destination name in the tooltip, keeping the key for the menu', () => {
    const v = trayView({ hosts: [host({ host: '10.1.1.5:25', name: 'Exchange', status: 'down' })], queue: queue({ messages: 1, recipients: 1 }) }, thresholds);
    expect(v.downHosts).toEqual(['10.1.1.5:25']);
    expect(v.toolTip).toContain('1 host down: Exchange');
  });

  it('warns when the oldest message passes the threshold, or too many recipients wait', () => {
    expect(trayView({ hosts: [host({ host: 'a:25' })], queue: queue({ messages: 1, recipients: 1, oldestMessageAgeSeconds: 600 }) }, thresholds).icon).toBe('warning');
    expect(trayView({ hosts: [host({ host: 'a:25' })], queue: queue({ messages: 1, recipients: 1, oldestMessageAgeSeconds: 599 }) }, thresholds).icon).toBe('normal');
    expect(trayView({ hosts: [host({ host: 'a:25' })], queue: queue({ messages: 5, recipients: 50, oldestMessageAgeSeconds: 1 }) }, thresholds).icon).toBe('warning');
  });

  it('a down host outranks a backed-up queue', () => {
    const v = trayView({ hosts: [host({ host: 'a:25', status: 'down' })], queue: queue({ messages: 9, recipients: 900, oldestMessageAgeSeconds: 9999 }) }, thresholds);
    expect(v.icon).toBe('alert');
  });

  it('shows suspended when every host is suspended, whatever else is true', () => {
    const v = trayView(
      { hosts: [host({ host: 'a:25', suspended: true, status: 'down' }), host({ host: 'b:25', suspended: true })], queue: queue({ messages: 3, recipients: 3, oldestMessageAgeSeconds: 9999 }) },
      thresholds,
    );
    expect(v.icon).toBe('suspended');
    expect(v.toolTip).toContain('Delivery suspended');
  });

  it('a suspended down host does not alarm; a partly suspended relay is named in the tooltip', () => {
    const v = trayView({ hosts: [host({ host: 'a:25', suspended: true, status: 'down' }), host({ host: 'b:25' })], queue: queue() }, thresholds);
    expect(v.icon).toBe('normal');
    expect(v.toolTip).toContain('Suspended: a:25');
    expect(v.toolTip).toContain('Queue empty');
  });

  it('has no hosts: normal, not suspended', () => {
    expect(trayView({ hosts: [], queue: queue() }, thresholds).icon).toBe('normal');
  });

  it('keeps the tooltip within the 127 characters Windows shows', () => {
    const hosts = Array.from({ length: 30 }, (_, i) => host({ host: `very-long-host-name-${i}.corp.example:25`, status: 'down' }));
    const v = trayView({ hosts, queue: queue({ messages: 12345, recipients: 20000, oldestMessageAgeSeconds: 86_400 * 3 }) }, thresholds);
    expect(v.toolTip.length).toBeLessThanOrEqual(127);
    expect(v.toolTip).toContain('30 hosts down');
  });

  it('the rule table ends with a rule that always matches', () => {
    expect(TRAY_RULES.at(-1)?.when({ hosts: [], queue: queue() }, thresholds)).toBe(true);
  });
});
