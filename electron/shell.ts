/**
 * shell: the desktop shell's logic, started by main.ts and driven by the tests with
 * fake ports: follows the relay's events, keeps the tray in step (at most one refresh
 * per refreshMinIntervalMs, trailing edge), shows the notification rules' notices and
 * runs tray menu actions. Failed refreshes and actions are logged, never thrown.
 */
import type { HostSummary, StatusResult } from '../common/contract.js';
import type { EventEnvelope } from '../common/events.js';
import type { ControlApi } from '../common/operations.js';
import type { EventHub } from '../core/control/event-hub.js';
import type { DesktopSettings } from './desktop-settings.js';
import { NotificationRules, type NotificationPolicy, type RuleNotice } from '../common/notification-rules.js';
import { realTimers, type AppPort, type MenuActionId, type NotifierPort, type ShellLog, type TimerPort, type TrayPort, type WindowPort } from './ports.js';
import { shellLines } from './shell-text.js';
import { MENU_ACTIONS, trayMenu } from './tray-menu.js';
import { DEFAULT_TRAY_THRESHOLDS, trayView, type TrayView } from './tray-state.js';

export interface ShellDeps {
  control: ControlApi;
  hub: Pick<EventHub, 'subscribe'>;
  tray: TrayPort;
  window: WindowPort;
  notifier: NotifierPort;
  app: AppPort;
  log: ShellLog;
  settings: DesktopSettings;
  timers?: TimerPort;
  policy?: NotificationPolicy;
  refreshMinIntervalMs?: number;
  /** Recipients waiting that turn the tray to "warning" whatever their age. */
  warnQueuedRecipients?: number;
}

export interface Shell {
  /** The last tray state shown (undefined before the first refresh). */
  readonly view: TrayView | undefined;
  readonly hosts: readonly HostSummary[];
  /** Refreshes now (bypassing the throttle) and resolves when the tray shows the result. */
  refresh(): Promise<void>;
  act(id: MenuActionId): Promise<void>;
  applySettings(s: DesktopSettings): void;
  stop(): void;
}

export async function startShell(deps: ShellDeps): Promise<Shell> {
  const timers = deps.timers ?? realTimers;
  const minInterval = deps.refreshMinIntervalMs ?? 1000;
  let settings = deps.settings;
  let hosts: HostSummary[] = [];
  let view: TrayView | undefined;
  let stopped = false;

  const showNotice = (n: RuleNotice): void => {
    deps.log.info(shellLines.notice(n.title, n.body));
    if (!deps.notifier.isSupported()) return;
    deps.notifier.show(n, () => deps.window.show(n.route));
  };

  const rules = new NotificationRules({
    settings: settings.notifications,
    policy: deps.policy,
    timers,
    emit: showNotice,
    queuedFor: (host) => hosts.find((h) => h.host === host)?.queued,
    nameOf: (host) => hosts.find((h) => h.host === host)?.name,
    recheck: () => requestRefresh(),
  });

  const thresholds = () => ({
    oldestSeconds: settings.notifications.oldestThresholdSeconds,
    queuedRecipients: deps.warnQueuedRecipients ?? DEFAULT_TRAY_THRESHOLDS.queuedRecipients,
  });

  const render = (status: StatusResult): void => {
    view = trayView({ hosts, queue: status.queue }, thresholds());
    deps.tray.setIcon(view.icon);
    deps.tray.setToolTip(view.toolTip);
    deps.tray.setMenu(trayMenu(view, hosts, deps.app.getOpenAtLogin(), deps.app.serviceMode?.()), (id) => void act(id).catch((e: Error) => deps.log.warn(shellLines.menuFailed(id, e.message))));
    rules.queueAge(status.queue.oldestMessageAgeSeconds, status.queue.messages);
  };

  const load = async (): Promise<void> => {
    const [h, status] = await Promise.all([deps.control.tophosts(), deps.control.status()]);
    hosts = h;
    if (stopped) return;
    render(status);
    rules.credentials(hosts);
  };

  // --- throttled refresh: one in flight; changes meanwhile cause one more, spaced by minInterval.
  let inFlight: Promise<void> | undefined;
  let again = false;
  let lastStart = 0;
  let cancelTimer: (() => void) | undefined;
  const run = (): Promise<void> => {
    cancelTimer?.();
    cancelTimer = undefined;
    lastStart = timers.now();
    inFlight = load()
      .catch((e: Error) => deps.log.warn(shellLines.refreshFailed(e.message)))
      .finally(() => {
        inFlight = undefined;
        if (again && !stopped) {
          again = false;
          requestRefresh();
        }
      });
    return inFlight;
  };
  // Single flight with a trailing edge: however busy the relay is, the last
  // change is always shown.
  const requestRefresh = (): void => {
    if (stopped) return;
    if (inFlight) {
      again = true;
      return;
    }
    if (cancelTimer) return;
    const wait = lastStart + minInterval - timers.now();
    // run() logs a failed load itself; these catches only keep a bug in the
    // finally step from becoming an unhandled rejection.
    const runDetached = (): void => void run().catch((e: Error) => deps.log.warn(shellLines.refreshFailed(e.message)));
    if (wait <= 0) runDetached();
    else cancelTimer = timers.after(wait, runDetached);
  };

  const onEvent = (e: EventEnvelope): void => {
    if (e.type === 'host') {
      const data = e.data as EventEnvelope<'host'>['data'];
      rules.hostEvent(data, e.at);
    } else if (e.type === 'queue') {
      rules.bounced((e.data as EventEnvelope<'queue'>['data']).bounced);
    } else if (e.type === 'auth-lockout') {
      rules.authLockout(e.data as EventEnvelope<'auth-lockout'>['data'], e.at);
    }
    // Every event may change what the tray shows (a suspension is a host
    // event whose status stays the same; log lines move the counts), so each
    // one triggers a (throttled) refresh.
    requestRefresh();
  };

  const act = async (id: MenuActionId): Promise<void> => {
    try {
      await MENU_ACTIONS[id]({ control: deps.control, window: deps.window, app: deps.app, hosts: () => hosts });
    } catch (e) {
      deps.log.warn(shellLines.menuFailed(id, (e as Error).message));
    }
    if (id !== 'quit' && !stopped) await refresh();
  };

  const refresh = async (): Promise<void> => {
    if (inFlight) await inFlight;
    await run();
  };

  // Subscribe before the first load, so nothing that happens in between is missed.
  const sub = deps.hub.subscribe(onEvent);
  await run();
  for (const h of hosts) rules.seedHost(h.host, h.status, h.lastError);

  return {
    get view() {
      return view;
    },
    get hosts() {
      return hosts;
    },
    refresh,
    act,
    applySettings(s) {
      settings = s;
      rules.setSettings(s.notifications);
      requestRefresh();
    },
    stop() {
      stopped = true;
      sub.unsubscribe();
      cancelTimer?.();
      rules.dispose();
    },
  };
}
