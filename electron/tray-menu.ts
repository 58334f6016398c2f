/**
 * tray-menu: the tray's context menu as a model (which entries exist, when they
 * are enabled) and the action table, one function per entry, each through the
 * control contract. main.ts renders the model; shell.ts logs a failed action.
 */
import type { HostSummary } from '../common/contract.js';
import { OPERATIONS, type ControlApi, type ControlMethod } from '../common/operations.js';
import type { AppPort, MenuActionId, MenuEntry, WindowPort } from './ports.js';
import { menuText } from './shell-text.js';
import type { TrayView } from './tray-state.js';

export function trayMenu(view: TrayView, hosts: readonly HostSummary[], openAtLogin: boolean, serviceMode?: 'in-app' | 'service'): MenuEntry[] {
  const allSuspended = hosts.length > 0 && hosts.every((h) => h.suspended);
  const credential = hosts.filter((h) => view.credentialHosts.includes(h.host)).map((h) => h.name ?? h.host);
  return [
    { kind: 'item', id: 'open', label: menuText.open, enabled: true },
    // A line of its own while Microsoft refuses a credential or one is about to expire: it opens that host.
    ...(credential.length ? [{ kind: 'item', id: 'openCredential', label: menuText.credential(credential), enabled: true } as const] : []),
    { kind: 'item', id: 'retryAll', label: menuText.retryAll(view.queuedRecipients), enabled: view.queuedRecipients > 0 },
    { kind: 'separator' },
    allSuspended
      ? { kind: 'item', id: 'resumeAll', label: menuText.resumeAll, enabled: true }
      : { kind: 'item', id: 'suspendAll', label: menuText.suspendAll, enabled: hosts.length > 0 },
    { kind: 'checkbox', id: 'toggleLogin', label: menuText.toggleLogin, checked: openAtLogin, enabled: true },
    ...(serviceMode ? [{ kind: 'item', id: 'serviceMode', label: serviceMode === 'service' ? menuText.runInApp : menuText.runAsService, enabled: true } as const] : []),
    { kind: 'separator' },
    { kind: 'item', id: 'quit', label: menuText.quit, enabled: true },
  ];
}

/** The control operation each entry calls on the relay (the others act on the app alone). */
const MENU_OPERATION: Partial<Record<MenuActionId, ControlMethod>> = { retryAll: 'retryall', suspendAll: 'suspend', resumeAll: 'resume' };

/**
 * The entries that change the relay, by the operation table's own `readOnly` (common/operations.ts):
 * a relay watched read-only shows them greyed, as it would refuse them.
 */
export const CHANGES_RELAY: ReadonlySet<MenuActionId> = new Set(
  (Object.entries(MENU_OPERATION) as [MenuActionId, ControlMethod][]).filter(([, op]) => !OPERATIONS[op].readOnly).map(([id]) => id),
);

/**
 * The selected relay's menu in the one tray: with several relays watched, the entries that change
 * a relay name it (the tray shows the worst of all, so "Retry all" alone would not say whose);
 * for a relay watched read-only they are disabled (it would refuse them).
 */
export function relayMenu(entries: readonly MenuEntry[], o: { readOnly: boolean; name?: string }): MenuEntry[] {
  return entries.map((e) => {
    if (e.kind === 'separator' || !CHANGES_RELAY.has(e.id)) return e;
    return { ...e, label: o.name === undefined ? e.label : menuText.onRelay(e.label, o.name), enabled: e.enabled && !o.readOnly };
  });
}

export interface MenuContext {
  control: ControlApi;
  window: WindowPort;
  app: AppPort;
  /** The hosts as last seen by the shell. */
  hosts(): readonly HostSummary[];
}

export const MENU_ACTIONS: Record<MenuActionId, (c: MenuContext) => Promise<void>> = {
  async open(c) {
    c.window.show();
  },
  async openCredential(c) {
    const h = c.hosts().find((x) => x.credentialRefused ?? x.credentialWarning);
    c.window.show(h ? { view: 'hosts', host: h.host } : { view: 'hosts' });
  },
  async retryAll(c) {
    await c.control.retryall();
  },
  // Host by host through the per-host `suspend` (ESA's suspenddel): a host first
  // seen later (a new MX answer) is not covered until this is used again.
  async suspendAll(c) {
    for (const h of c.hosts()) if (!h.suspended) await c.control.suspend({ host: h.host });
  },
  async resumeAll(c) {
    for (const h of c.hosts()) if (h.suspended) await c.control.resume({ host: h.host });
  },
  async toggleLogin(c) {
    c.app.setOpenAtLogin(!c.app.getOpenAtLogin());
  },
  async serviceMode(c) {
    await c.app.switchServiceMode?.();
  },
  async quit(c) {
    c.app.quit();
  },
};
