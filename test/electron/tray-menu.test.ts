import { describe, expect, it } from 'vitest';
import type { HostSummary } from '../../common/contract.js';
import type { ControlApi } from '../../common/operations.js';
import type { MenuActionId, MenuEntry } from '../../electron/ports.js';
import { MENU_ACTIONS, trayMenu, type MenuContext } from '../../electron/tray-menu.js';
import { trayView } from '../../electron/tray-state.js';
import { FakeApp, FakeWindow, host, queue } from '../helpers/fake-electron.js';

const item = (entries: MenuEntry[], id: MenuActionId) => entries.find((e) => e.kind !== 'separator' && e.id === id) as Exclude<MenuEntry, { kind: 'separator' }> | undefined;

function context(hosts: HostSummary[]) {
  const calls: string[] = [];
  const control = {
    retryall: async () => {
      calls.push('retryall');
      return { scheduled: 2, operationId: 'x' };
    },
    suspend: async (q: { host: string }) => {
      calls.push(`suspend ${q.host}`);
      return host({ host: q.host, suspended: true });
    },
    resume: async (q: { host: string }) => {
      calls.push(`resume ${q.host}`);
      return host({ host: q.host });
    },
  } as unknown as ControlApi;
  const ctx: MenuContext = { control, window: new FakeWindow(), app: new FakeApp(), hosts: () => hosts };
  return { ctx, calls, window: ctx.window as FakeWindow, app: ctx.app as FakeApp };
}

describe('tray menu', () => {
  it('has the five entries, Retry all with its count', () => {
    const hosts = [host({ host: 'a:25', queued: 7 })];
    const m = trayMenu(trayView({ hosts, queue: queue({ messages: 5, recipients: 7 }) }), hosts, true);
    expect(m.map((e) => (e.kind === 'separator' ? '-' : e.label))).toEqual([
      'Open Relaywatch',
      'Retry all now (7)',
      '-',
      'Suspend delivery',
      'Start at login',
      '-',
      'Quit Relaywatch',
    ]);
    expect(item(m, 'retryAll')?.enabled).toBe(true);
    expect(item(m, 'toggleLogin')).toMatchObject({ kind: 'checkbox', checked: true });
  });

  it('disables Retry all on an empty queue and Suspend with no hosts', () => {
    const m = trayMenu(trayView({ hosts: [], queue: queue() }), [], false);
    expect(item(m, 'retryAll')).toMatchObject({ label: 'Retry all now', enabled: false });
    expect(item(m, 'suspendAll')?.enabled).toBe(false);
  });

  it('offers Resume once every host is suspended', () => {
    const hosts = [host({ host: 'a:25', suspended: true }), host({ host: 'b:25', suspended: true })];
    const m = trayMenu(trayView({ hosts, queue: queue() }), hosts, false);
    expect(item(m, 'resumeAll')?.label).toBe('Resume delivery');
    expect(item(m, 'suspendAll')).toBeUndefined();
  });

  it('actions call the control contract', async () => {
    const c = context([host({ host: 'a:25' }), host({ host: 'b:25', suspended: true }), host({ host: 'c:25' })]);
    await MENU_ACTIONS.retryAll(c.ctx);
    await MENU_ACTIONS.suspendAll(c.ctx);
    await MENU_ACTIONS.resumeAll(c.ctx);
    expect(c.calls).toEqual(['retryall', 'suspend a:25', 'suspend c:25', 'resume b:25']);
  });

  it('open shows the window; Start at login toggles; Quit quits', async () => {
    const c = context([]);
    await MENU_ACTIONS.open(c.ctx);
    expect(c.window.shown).toEqual([undefined]);
    await MENU_ACTIONS.toggleLogin(c.ctx);
    expect(c.app.openAtLogin).toBe(true);
    await MENU_ACTIONS.toggleLogin(c.ctx);
    expect(c.app.openAtLogin).toBe(false);
    await MENU_ACTIONS.quit(c.ctx);
    expect(c.app.quits).toBe(1);
  });

  it('offers the service handover where the app can make it: the label says which way', async () => {
    expect(item(trayMenu(trayView({ hosts: [], queue: queue() }), [], false), 'serviceMode')).toBeUndefined();
    expect(item(trayMenu(trayView({ hosts: [], queue: queue() }), [], false, 'in-app'), 'serviceMode')).toMatchObject({ label: 'Run the relay as a service…', enabled: true });
    expect(item(trayMenu(trayView({ hosts: [], queue: queue() }), [], false, 'service'), 'serviceMode')?.label).toBe('Run the relay in this app again…');
    const c = context([]);
    let asked = 0;
    c.app.switchServiceMode = async () => void (asked += 1);
    await MENU_ACTIONS.serviceMode(c.ctx);
    expect(asked).toBe(1);
  });
});
