/**
 * fake-electron: fakes of the desktop shell's ports (app, tray, window,
 * notifier, IPC, its log) with recorded calls, and a manual clock.
 */
import type { HostSummary, StatusResult } from '../../common/contract.js';
import type { AppPort, IpcHandler, IpcPort, IpcSender, MenuActionId, MenuEntry, Notice, NotifierPort, ShellLog, TimerPort, TrayIconState, TrayPort, WindowPort } from '../../electron/ports.js';
import type { NavigateMessage } from '../../electron/ipc-channels.js';
import { host as dashboardHost } from './fake-relay-client.js';

/** A clock that moves only when told; timers fire in time order. */
export class ManualTimers implements TimerPort {
  private t = 1_700_000_000_000;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): () => void {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + Math.max(0, ms), fn });
    return () => this.pending.delete(id);
  }

  /** Moves the clock forward, firing due timers in order (timers they set fire too, if due). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of this.pending) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.pending.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }

  get timerCount(): number {
    return this.pending.size;
  }
}

export class FakeTray implements TrayPort {
  icons: TrayIconState[] = [];
  toolTip = '';
  menu: readonly MenuEntry[] = [];
  onAction: ((id: MenuActionId) => void) | undefined;
  private waiters: { state: TrayIconState; resolve: () => void }[] = [];
  setIcon(state: TrayIconState): void {
    if (this.icons.at(-1) !== state) this.icons.push(state);
    for (const w of this.waiters.filter((x) => x.state === state)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
  }
  /** Resolves when the icon shows `state` (at once if it does now). */
  waitForIcon(state: TrayIconState, timeoutMs = 10_000): Promise<void> {
    if (this.icon === state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tray never showed ${state}; icons so far: ${this.icons.join(' → ')}`)), timeoutMs);
      this.waiters.push({
        state,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
  label(id: MenuActionId): string | undefined {
    const e = this.menu.find((m) => m.kind !== 'separator' && m.id === id);
    return e && e.kind !== 'separator' ? e.label : undefined;
  }
  setToolTip(text: string): void {
    this.toolTip = text;
  }
  setMenu(entries: readonly MenuEntry[], onAction: (id: MenuActionId) => void): void {
    this.menu = entries;
    this.onAction = onAction;
  }
  get icon(): TrayIconState | undefined {
    return this.icons.at(-1);
  }
}

export class FakeWindow implements WindowPort {
  shown: (NavigateMessage | undefined)[] = [];
  show(route?: NavigateMessage): void {
    this.shown.push(route);
  }
}

export class FakeNotifier implements NotifierPort {
  notices: Notice[] = [];
  clicks: (() => void)[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  isSupported(): boolean {
    return true;
  }
  show(notice: Notice, onClick: () => void): void {
    this.notices.push(notice);
    this.clicks.push(onClick);
    for (const w of [...this.waiters]) {
      if (this.notices.length >= w.n) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }
  /** Resolves when `n` notices in total have been shown. */
  waitFor(n: number, timeoutMs = 10_000): Promise<void> {
    if (this.notices.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${n} notices, got ${this.notices.length}: ${JSON.stringify(this.notices)}`)), timeoutMs);
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

export class FakeApp implements AppPort {
  quits = 0;
  openAtLogin = false;
  switchServiceMode?: () => Promise<void>;
  quit(): void {
    this.quits++;
  }
  getOpenAtLogin(): boolean {
    return this.openAtLogin;
  }
  setOpenAtLogin(on: boolean): void {
    this.openAtLogin = on;
  }
}

/** The shell's log (ShellLog, not the mail log): lines kept with their level. */
export class MemoryShellLog implements ShellLog {
  lines: { level: 'info' | 'warn'; text: string }[] = [];
  info(text: string): void {
    this.lines.push({ level: 'info', text });
  }
  warn(text: string): void {
    this.lines.push({ level: 'warn', text });
  }
  get warnings(): string[] {
    return this.lines.filter((l) => l.level === 'warn').map((l) => l.text);
  }
}

export class FakeIpc implements IpcPort {
  readonly handlers = new Map<string, IpcHandler>();
  handle(channel: string, handler: IpcHandler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, sender: IpcSender, arg?: unknown): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return h(sender, arg);
  }
}

export class FakeSender implements IpcSender {
  sent: { channel: string; message: unknown }[] = [];
  destroyed = false;
  private gone: (() => void)[] = [];
  constructor(
    public webContentsId = 1,
    public frameUrl: string | null = 'relaywatch://app/index.html',
    public isMainFrame = true,
  ) {}
  send(channel: string, message: unknown): void {
    this.sent.push({ channel, message });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  onGone(fn: () => void): void {
    this.gone.push(fn);
  }
  /** The page goes away (window closed or reloaded). */
  leave(): void {
    for (const fn of this.gone.splice(0)) fn();
  }
}

/** A host summary for shell tests: the dashboard fakes' one, seen since 0. */
export function host(partial: Partial<HostSummary> & { host: string }): HostSummary {
  return dashboardHost(partial.host, { since: 0, ...partial });
}

export function queue(partial: Partial<StatusResult['queue']> = {}): StatusResult['queue'] {
  return { messages: 0, recipients: 0, active: 0, oldestMessageAgeSeconds: null, ...partial };
}
