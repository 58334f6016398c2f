/**
 * tray-menu: the tray's context menu as a model, and what each entry does
 * through the control contract.
 *
 * Owns: which entries exist and when they are enabled (Retry all shows how
 * many recipients it will retry; Suspend turns into Resume once every host is
 * suspended), and the action table: one function per entry.
 * "Suspend delivery" suspends every known host through the contract's
 * per-host `suspend` (ESA's suspenddel, host by host); hosts first seen later
 * (a new MX answer) are not covered until it is used again.
 * Does not own: rendering the menu (main.ts turns the model into an Electron
 * Menu) or wording (shell-text.ts).
 * Raises: whatever the control call raises; shell.ts logs it.
 */
import type { HostSummary } from '../common/contract.js';
import type { ControlApi } from '../common/operations.js';
import type { AppPort, MenuActionId, MenuEntry, WindowPort } from './ports.js';
import { menuText } from './shell-text.js';
import type { TrayView } from './tray-state.js';

export function trayMenu(view: TrayView, hosts: readonly HostSummary[], openAtLogin: boolean): MenuEntry[] {
  const allSuspended = hosts.length > 0 && hosts.every((h) => h.suspended);
  return [
    { kind: 'item', id: 'open', label: menuText.open, enabled: true },
    { kind: 'item', id: 'retryAll', label: menuText.retryAll(view.queuedRecipients), enabled: view.queuedRecipients > 0 },
    { kind: 'separator' },
    allSuspended
      ? { kind: 'item', id: 'resumeAll', label: menuText.resumeAll, enabled: true }
      : { kind: 'item', id: 'suspendAll', label: menuText.suspendAll, enabled: hosts.length > 0 },
    { kind: 'checkbox', id: 'toggleLogin', label: menuText.toggleLogin, checked: openAtLogin, enabled: true },
    { kind: 'separator' },
    { kind: 'item', id: 'quit', label: menuText.quit, enabled: true },
  ];
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
  async retryAll(c) {
    await c.control.retryall();
  },
  async suspendAll(c) {
    for (const h of c.hosts()) if (!h.suspended) await c.control.suspend({ host: h.host });
  },
  async resumeAll(c) {
    for (const h of c.hosts()) if (h.suspended) await c.control.resume({ host: h.host });
  },
  async toggleLogin(c) {
    c.app.setOpenAtLogin(!c.app.getOpenAtLogin());
  },
  async quit(c) {
    c.app.quit();
  },
};
