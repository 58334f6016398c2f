/**
 * ports: the interfaces through which the shell's logic reaches Electron (Tray,
 * BrowserWindow, Notification, ipcMain, app). main.ts implements them with the
 * real APIs, tests with plain objects, so every decision runs in plain Node.
 */
import type { Notice, TimerPort } from '../common/notification-rules.js';
import type { NavigateMessage } from './ipc-channels.js';

/** What the tray icon shows at a glance (tray-state.ts decides which). */
export type TrayIconState = 'normal' | 'alert' | 'warning' | 'suspended';

export type MenuActionId = 'open' | 'openCredential' | 'retryAll' | 'suspendAll' | 'resumeAll' | 'toggleLogin' | 'serviceMode' | 'quit';

export type MenuEntry =
  | { kind: 'item'; id: MenuActionId; label: string; enabled: boolean }
  | { kind: 'checkbox'; id: MenuActionId; label: string; checked: boolean; enabled: boolean }
  | { kind: 'separator' };

export interface TrayPort {
  setIcon(state: TrayIconState): void;
  setToolTip(text: string): void;
  /** Replaces the context menu; `onAction` is called with the id of a clicked entry. */
  setMenu(entries: readonly MenuEntry[], onAction: (id: MenuActionId) => void): void;
}

export interface WindowPort {
  /** Shows (creating it if closed) and focuses the window; with a route, the window opens on it. */
  show(route?: NavigateMessage): void;
}

// What a notice says and where a click goes: shared with the browser dashboard.
export type { Notice } from '../common/notification-rules.js';

export interface NotifierPort {
  /** false where the OS has no notification service (then notices are only logged). */
  isSupported(): boolean;
  show(notice: Notice, onClick: () => void): void;
}

/** Who sent an IPC message: main.ts fills it from the event's senderFrame. */
export interface IpcSender {
  webContentsId: number;
  /** The sending frame's URL; null when the frame is gone (navigated or destroyed). */
  frameUrl: string | null;
  /** true when the sender is the top frame of its page (not an iframe). */
  isMainFrame: boolean;
  send(channel: string, message: unknown): void;
  isDestroyed(): boolean;
  /** Called once when the sender's page goes away (window closed, reload). */
  onGone(fn: () => void): void;
}

export type IpcHandler = (sender: IpcSender, arg: unknown) => Promise<unknown>;

export interface IpcPort {
  handle(channel: string, handler: IpcHandler): void;
  removeHandler(channel: string): void;
}

export interface AppPort {
  quit(): void;
  getOpenAtLogin(): boolean;
  setOpenAtLogin(on: boolean): void;
  /** Who runs this data dir's relay: the app itself, or an installed service it watches (absent: no such choice here). */
  serviceMode?(): 'in-app' | 'service';
  /** Asks, then hands the relay over to a service or takes it back (service-handover/). */
  switchServiceMode?(): Promise<void>;
}

/** Time, injectable so rules with grace periods are tested without waiting (common/, for the browser uses it too). */
export type { TimerPort } from '../common/notification-rules.js';

export interface ShellLog {
  info(text: string): void;
  warn(text: string): void;
}

export const realTimers: TimerPort = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return () => clearTimeout(t);
  },
};
