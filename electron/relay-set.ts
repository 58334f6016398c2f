/**
 * relay-set: the one owner of the relays the desktop app watches (its own
 * in-process relay, optional, plus remote and local-service relays): add,
 * remove, select, persisted in desktop.json with tokens sealed by the keychain.
 * Each relay runs its own shell (so grace and flap state are per relay); the
 * real tray shows the worst of all, and notices name the relay when there are several;
 * a relay that stops answering is told like a Down host (relay-link-notices.ts).
 */
import { randomBytes } from 'node:crypto';
import { decodePairingCode } from '../common/pairing-code.js';
import type { ControlApi } from '../common/operations.js';
import type { NotificationPolicy } from '../common/notification-rules.js';
import { RelayError, type SecretCipher } from '../core/relay.js';
import type { DesktopSettings, WatchedRelayRecord } from './desktop-settings.js';
import { realTimers, type AppPort, type MenuActionId, type MenuEntry, type NotifierPort, type ShellLog, type TimerPort, type TrayPort, type WindowPort } from './ports.js';
import { localConnection, remoteConnection, targetProblem, type ConnectionState, type EventSource, type RelayConnection, type WatchTarget } from './relay-connection.js';
import { followLink } from './relay-link-notices.js';
import { combinedTray } from './relays-tray.js';
import { relayMenu } from './tray-menu.js';
import { startShell, type Shell } from './shell.js';

/** What the window's relay switcher shows of one relay (never its token). */
export interface RelayInfo {
  id: string;
  name: string;
  kind: RelayConnection['kind'];
  state: ConnectionState;
  selected: boolean;
  /** false: no keychain here, so the watch lasts for this run only. */
  persisted: boolean;
  /** Paired read-only: the window greys out what the relay would refuse. */
  readOnly: boolean;
}

export interface RelaySetDeps {
  tray: TrayPort;
  window: WindowPort;
  notifier: NotifierPort;
  app: AppPort;
  log: ShellLog;
  settings: { readonly current: DesktopSettings; readonly relays: readonly WatchedRelayRecord[]; saveRelays(r: readonly WatchedRelayRecord[]): Promise<void> };
  /** The OS keychain's cipher; undefined where there is none (watches are then not saved). */
  cipher: SecretCipher | undefined;
  timers?: TimerPort;
  policy?: NotificationPolicy;
  refreshMinIntervalMs?: number;
}

interface Entry {
  conn: RelayConnection;
  shell: Shell | undefined;
  menu: { entries: readonly MenuEntry[]; onAction: (id: MenuActionId) => void } | undefined;
  persisted: boolean;
  record: WatchedRelayRecord | undefined;
  offState: () => void;
}

export const LOCAL_RELAY_ID = 'local';

export class RelaySet {
  private readonly entries = new Map<string, Entry>();
  private selectedId: string | undefined;
  private readonly listeners = new Set<(list: RelayInfo[]) => void>();
  private readonly timers: TimerPort;
  private stopped = false;

  private constructor(private readonly deps: RelaySetDeps) {
    this.timers = deps.timers ?? realTimers;
  }

  /** Starts watching the local relay (if any) and every relay saved in desktop.json. */
  static async start(deps: RelaySetDeps, local?: { control: ControlApi; hub: EventSource; name?: string }): Promise<RelaySet> {
    const set = new RelaySet(deps);
    if (local) await set.add(localConnection({ id: LOCAL_RELAY_ID, name: local.name ?? 'This computer', control: local.control, hub: local.hub }), undefined);
    for (const r of deps.settings.relays) {
      let token: string;
      try {
        if (!deps.cipher) throw new Error('no keychain on this computer');
        token = deps.cipher.decrypt(Buffer.from(r.sealedToken, 'base64'));
      } catch (e) {
        // Sealed on another machine or by a reset keychain: it cannot be opened here.
        deps.log.warn(`Desktop: watched relay "${r.name}" skipped: its token cannot be unsealed (${(e as Error).message}); pair again`);
        continue;
      }
      const target: WatchTarget = { url: r.url, token, ...(r.fingerprint256 ? { fingerprint256: r.fingerprint256 } : {}) };
      await set.add(remoteConnection({ id: r.id, name: r.name, kind: r.kind, target, timers: set.timers }), r);
    }
    return set;
  }

  /** A relay from a connection code (`rw1:…`). Refuses, in words, a bad code, a foreign certificate or a token the relay does not accept. */
  async watchCode(code: string, name?: string): Promise<RelayInfo> {
    const c = decodePairingCode(code);
    if (c instanceof Error) throw new RelayError({ code: 'EARGS', message: c.message, temporary: false });
    return this.watch(c, { kind: 'remote', ...(name ? { name } : {}) });
  }

  /**
   * Watches a relay: https with a pinned certificate (a pairing code's parts),
   * or http on 127.x / [::1] without one (an installed local service). The
   * relay is asked for its status first: a wrong certificate or a refused token
   * is an error here, not an entry that never works.
   */
  async watch(target: WatchTarget, opts: { name?: string; kind?: 'remote' | 'service' } = {}): Promise<RelayInfo> {
    const problem = targetProblem(target);
    if (problem) throw new RelayError({ code: 'EARGS', message: problem, temporary: false });
    const name = (opts.name?.trim() || new URL(target.url).host).slice(0, 80);
    const id = randomBytes(4).toString('hex');
    const conn = remoteConnection({ id, name, kind: opts.kind ?? 'remote', target, timers: this.timers });
    try {
      await conn.control.status();
    } catch (e) {
      if (conn.state.kind === 'refused' || conn.state.kind === 'revoked') {
        conn.close();
        throw new RelayError({ code: conn.state.kind === 'refused' ? 'ETLS' : 'EAUTH', message: conn.state.kind === 'refused' ? conn.state.reason : 'the relay did not accept this connection code (revoked?); make a new one with `relaywatch pair`', temporary: false, cause: e });
      }
      // Unreachable now (the relay restarting, a laptop off the VPN): watched anyway, shown as unreachable.
    }
    const record = this.deps.cipher
      ? { id, name, kind: conn.kind as 'remote' | 'service', url: target.url, ...(target.fingerprint256 ? { fingerprint256: target.fingerprint256 } : {}), sealedToken: this.deps.cipher.encrypt(target.token).toString('base64') }
      : undefined;
    await this.add(conn, record);
    if (record) await this.save();
    return this.info(this.entries.get(id)!);
  }

  /** The in-process relay (again): after the service handover was undone, or the service given back. */
  async addLocal(local: { control: ControlApi; hub: EventSource; name?: string }): Promise<void> {
    if (this.entries.has(LOCAL_RELAY_ID)) throw new RelayError({ code: 'EARGS', message: 'this app already runs its own relay', temporary: false });
    await this.add(localConnection({ id: LOCAL_RELAY_ID, name: local.name ?? 'This computer', control: local.control, hub: local.hub }), undefined);
    this.selectedId = LOCAL_RELAY_ID;
    this.render();
    this.changed();
  }

  async unwatch(id: string): Promise<void> {
    const e = this.entries.get(id);
    if (!e) throw new RelayError({ code: 'ENOTFOUND', message: `no watched relay ${id}`, temporary: false });
    e.shell?.stop();
    e.offState();
    e.conn.close();
    this.entries.delete(id);
    if (this.selectedId === id) this.selectedId = this.entries.keys().next().value;
    if (e.record) await this.save();
    this.changed();
  }

  select(id: string): void {
    if (!this.entries.has(id)) throw new RelayError({ code: 'ENOTFOUND', message: `no watched relay ${id}`, temporary: false });
    this.selectedId = id;
    this.changed();
  }

  /** The relay the window's control calls go to. */
  get selected(): RelayConnection | undefined {
    return this.selectedId ? this.entries.get(this.selectedId)?.conn : undefined;
  }

  get(id: string): { conn: RelayConnection; shell: Shell | undefined } | undefined {
    const e = this.entries.get(id);
    return e && { conn: e.conn, shell: e.shell };
  }

  list(): RelayInfo[] {
    return [...this.entries.values()].map((e) => this.info(e));
  }

  onChange(fn: (list: RelayInfo[]) => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  /** New notification settings reach every relay's rules. */
  applySettings(s: DesktopSettings): void {
    for (const e of this.entries.values()) e.shell?.applySettings(s);
  }

  /** Refreshes every relay now (tests; a tray click). */
  async refresh(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.shell?.refresh()));
  }

  stop(): void {
    this.stopped = true;
    for (const e of this.entries.values()) {
      e.shell?.stop();
      e.offState();
      e.conn.close();
    }
    this.entries.clear();
    this.listeners.clear();
  }

  private info(e: Entry): RelayInfo {
    return { id: e.conn.id, name: e.conn.name, kind: e.conn.kind, state: e.conn.state, selected: e.conn.id === this.selectedId, persisted: e.conn.kind === 'local' || e.persisted, readOnly: e.conn.readOnly };
  }

  private async add(conn: RelayConnection, record: WatchedRelayRecord | undefined): Promise<void> {
    const entry: Entry = { conn, shell: undefined, menu: undefined, persisted: record !== undefined, record, offState: () => undefined };
    this.entries.set(conn.id, entry);
    this.selectedId ??= conn.id;
    const offState = conn.onState(() => {
      this.render();
      this.changed();
    });
    const offLink = followLink(conn, {
      notifier: this.deps.notifier,
      timers: this.timers,
      settings: () => this.deps.settings.current.notifications,
      open: () => {
        if (this.entries.has(conn.id)) this.select(conn.id);
        this.deps.window.show();
      },
      log: (line) => this.deps.log.warn(line),
    });
    entry.offState = () => {
      offState();
      offLink();
    };
    const named = (title: string): string => (this.entries.size > 1 ? `${title} — relay '${conn.name}'` : title);
    const shell = startShell({
      control: conn.control,
      hub: conn.hub,
      // This relay's own tray: its view feeds the combined one; its menu is shown while it is selected.
      tray: {
        setIcon: () => this.render(),
        setToolTip: () => this.render(),
        setMenu: (entries, onAction) => {
          entry.menu = { entries, onAction };
          this.render();
        },
      },
      window: { show: (route) => (this.entries.has(conn.id) && this.select(conn.id), this.deps.window.show(route)) },
      notifier: {
        isSupported: () => this.deps.notifier.isSupported(),
        show: (n, onClick) => this.deps.notifier.show({ ...n, title: named(n.title) }, onClick),
      },
      app: this.deps.app,
      log: this.deps.log,
      settings: this.deps.settings.current,
      timers: this.timers,
      ...(this.deps.policy ? { policy: this.deps.policy } : {}),
      ...(this.deps.refreshMinIntervalMs !== undefined ? { refreshMinIntervalMs: this.deps.refreshMinIntervalMs } : {}),
    });
    // A remote relay's first load may wait on a dead link: the list does not.
    const started = shell.then((s) => {
      if (this.stopped || !this.entries.has(conn.id)) return s.stop();
      entry.shell = s;
      this.render();
    });
    if (conn.kind === 'local') await started;
    else void started.catch((e: Error) => this.deps.log.warn(`Desktop: watching relay "${conn.name}" failed: ${e.message}`));
    this.changed();
  }

  private async save(): Promise<void> {
    await this.deps.settings.saveRelays([...this.entries.values()].flatMap((e) => (e.record ? [e.record] : [])));
  }

  private render(): void {
    if (this.stopped) return;
    const all = [...this.entries.values()];
    const t = combinedTray(all.map((e) => ({ name: e.conn.name, state: e.conn.state, view: e.shell?.view })), this.timers.now());
    this.deps.tray.setIcon(t.icon);
    this.deps.tray.setToolTip(t.toolTip);
    const selected = this.selectedId ? this.entries.get(this.selectedId) : undefined;
    const menu = selected?.menu;
    if (menu) this.deps.tray.setMenu(relayMenu(menu.entries, { readOnly: selected.conn.readOnly, ...(all.length > 1 ? { name: selected.conn.name } : {}) }), menu.onAction);
  }

  private changed(): void {
    if (this.stopped) return;
    this.render();
    const list = this.list();
    for (const fn of this.listeners) fn(list);
  }
}
