/**
 * The shell against a real relay (in-process, temp data dir) and a real SMTP
 * sink on loopback: tray state, notifications with grace period, menu
 * actions — only Electron itself is faked (the ports).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../common/events.js';
import type { Relay } from '../../core/relay.js';
import { DEFAULT_DESKTOP_SETTINGS, DesktopSettingsStore, type DesktopSettings } from '../../electron/desktop-settings.js';
import { controlChannel, IPC, type EventMessage } from '../../electron/ipc-channels.js';
import { registerIpcHandlers } from '../../electron/ipc-handlers.js';
import { isTrustedSender } from '../../electron/window-security.js';
import { noticeText } from '../../electron/shell-text.js';
import { startShell, type Shell } from '../../electron/shell.js';
import { startTestRelay, waitFor } from '../helpers/relay-harness.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { FakeApp, FakeIpc, FakeNotifier, FakeSender, FakeTray, FakeWindow, MemoryShellLog } from '../helpers/fake-electron.js';
import { tempDir } from '../helpers/temp-dir.js';
import { until } from '../helpers/until.js';
import { sendMail } from '../helpers/send-mail.js';
import { testConfig } from '../helpers/test-config.js';
import { internalsOf } from '../../core/relay-internals.js';

const GRACE_SECONDS = 1;

let dir: { dir: string; remove: () => Promise<void> };
let sink: SmtpSink;
let relay: Relay;
let shell: Shell;
let tray: FakeTray;
let notifier: FakeNotifier;
let window: FakeWindow;
let app: FakeApp;
let log: MemoryShellLog;

const settings = (over: Partial<DesktopSettings['notifications']> = {}): DesktopSettings => ({
  notifications: { ...DEFAULT_DESKTOP_SETTINGS.notifications, graceSeconds: GRACE_SECONDS, ...over },
  relay: DEFAULT_DESKTOP_SETTINGS.relay,
});

beforeEach(async () => {
  dir = await tempDir('rw-shell-');
  sink = await startSmtpSink();
  relay = await startTestRelay(
    testConfig({
      routes: [{ domain: 'corp.test', destinations: [{ host: '127.0.0.1', port: sink.port, priority: 10, tls: 'none' }] }],
      bounceProfiles: { default: { initialRetrySeconds: 60, maxRetrySeconds: 60 } },
    }),
    dir.dir,
    { controlServer: false },
  );
  tray = new FakeTray();
  notifier = new FakeNotifier();
  window = new FakeWindow();
  app = new FakeApp();
  log = new MemoryShellLog();
  shell = await startShell({ control: relay.control, hub: relay.hub, tray, window, notifier, app, log, settings: settings(), refreshMinIntervalMs: 50 });
});

afterEach(async () => {
  shell?.stop();
  await relay?.stop('test done');
  await sink?.stop();
  await dir?.remove();
});

const send = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => sendMail(relay.smtp.port, { from: 'scanner@office.test', to: [`user${i}@corp.test`] })));

describe('desktop shell on a real relay', () => {
  it('a sink going down gives exactly one "down" notice after the grace period; its return one "back up" with duration and count', async () => {
    await send(1);
    await sink.waitForMessages(1);
    await tray.waitForIcon('normal');

    await sink.stop();
    const stoppedAt = Date.now();
    await send(2);
    await waitFor(relay, () => internalsOf(relay).hosts.get(sink.key)?.status === 'down', 'host down');
    await tray.waitForIcon('alert');
    expect(tray.toolTip).toContain(`1 host down: ${sink.key}`);
    // Inside the grace period: nothing yet.
    expect(notifier.notices).toEqual([]);

    await notifier.waitFor(1);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(GRACE_SECONDS * 1000);
    expect(notifier.notices[0]).toMatchObject({ title: `${sink.key} is down`, route: { view: 'hosts', host: sink.key } });
    expect(notifier.notices[0]!.body).toMatch(/^Unreachable for 1s: .*\. 2 messages waiting for it\.$/);

    // Stay down a while longer: probes keep failing (no event says so), still one notice.
    await until(() => (internalsOf(relay).hosts.get(sink.key)?.probeFailures ?? 0) >= 3, 'three failed probes', 10_000);
    expect(notifier.notices).toHaveLength(1);

    await sink.start();
    await notifier.waitFor(2);
    const history = (await relay.control.hoststatus({ host: sink.key })).history;
    const [down, up] = history.slice(-2);
    expect([down?.status, up?.status]).toEqual(['down', 'up']);
    const downMs = Math.round((up!.at - down!.at) / 1000) * 1000;
    expect(notifier.notices[1]).toMatchObject({ ...noticeText.up(sink.key, downMs, 2), route: { view: 'hosts', host: sink.key } });
    expect(notifier.notices).toHaveLength(2);

    await sink.waitForMessages(3);
    await tray.waitForIcon('normal');
    expect(tray.icons).toEqual(['normal', 'alert', 'normal']);

    // Clicking a notification opens the window on that host.
    notifier.clicks[0]!();
    expect(window.shown).toEqual([{ view: 'hosts', host: sink.key }]);
  });

  it('an outage shorter than the grace period notifies nobody', async () => {
    shell.applySettings(settings({ graceSeconds: 30 }));
    await sink.stop();
    await send(1);
    await waitFor(relay, () => internalsOf(relay).hosts.get(sink.key)?.status === 'down', 'host down');
    await sink.start();
    await sink.waitForMessages(1);
    await tray.waitForIcon('normal');
    expect(notifier.notices).toEqual([]);
    expect(tray.icons).toEqual(['normal', 'alert', 'normal']);
  });

  it('menu actions go through the control contract: suspend, resume, retry all', async () => {
    await tray.waitForIcon('normal');
    expect(tray.label('suspendAll')).toBe('Suspend delivery');
    await shell.act('suspendAll');
    expect(internalsOf(relay).hosts.get(sink.key)?.suspended).toBe(true);
    expect(tray.icon).toBe('suspended');
    expect(tray.toolTip).toContain('Delivery suspended');
    expect(tray.label('resumeAll')).toBe('Resume delivery');

    // Suspended: mail waits, and Retry all shows how much.
    await send(2);
    await shell.refresh();
    expect(tray.label('retryAll')).toBe('Retry all now (2)');
    expect(sink.messages).toHaveLength(0);

    await shell.act('resumeAll');
    expect(internalsOf(relay).hosts.get(sink.key)?.suspended).toBe(false);
    await sink.waitForMessages(2);

    // Retry all with the host down: the contract starts a retry operation.
    await sink.stop();
    await send(1);
    await waitFor(relay, () => internalsOf(relay).hosts.get(sink.key)?.status === 'down', 'host down');
    // The failed attempt has put the recipient back in the queue.
    await waitFor(relay, () => internalsOf(relay).queue.pendingRecipients === 1 && [...internalsOf(relay).queue.pendingRecipientsIter()].every((r) => r.state === 'queued'), 'recipient deferred');
    const progress = new Promise<EventEnvelope>((resolve) => {
      const s = relay.hub.subscribe((e) => {
        if (e.type === 'retry-progress') {
          s.unsubscribe();
          resolve(e);
        }
      });
    });
    await shell.act('retryAll');
    expect((await progress).data).toMatchObject({ total: 1 });
    expect(log.warnings).toEqual([]);
  });

  it('Start at login and Quit reach the app; Open shows the window', async () => {
    await shell.act('toggleLogin');
    expect(app.openAtLogin).toBe(true);
    expect(tray.menu.find((m) => m.kind === 'checkbox')).toMatchObject({ checked: true });
    tray.onAction!('open');
    expect(window.shown).toEqual([undefined]);
    await shell.act('quit');
    expect(app.quits).toBe(1);
  });
});

describe('the window\'s IPC on a real relay', () => {
  it('answers operations, validates with the core\'s schemas, streams events, and saved settings reach the shell', async () => {
    const ipc = new FakeIpc();
    const store = new DesktopSettingsStore(relay.paths.root, log);
    const unregister = registerIpcHandlers({
      ipc,
      control: relay.control,
      hub: relay.hub,
      isTrusted: (s) => isTrustedSender(s, new Set([1])),
      settings: store,
      onSettingsSaved: (s) => shell.applySettings(s),
      log,
    });
    try {
      const win = new FakeSender(1);
      const hosts = (await ipc.invoke(controlChannel('tophosts'), win)) as { ok: true; value: { host: string }[] };
      expect(hosts.value.map((h) => h.host)).toEqual([sink.key]);
      expect(await ipc.invoke(controlChannel('hoststatus'), win, { host: 'nowhere.test:25' })).toMatchObject({ ok: false, error: { code: 'ENOTFOUND', field: 'host' } });
      expect(await ipc.invoke(controlChannel('showrecipients'), win, { limit: 0 })).toMatchObject({ ok: false, error: { code: 'EARGS', field: 'limit' } });
      expect(await ipc.invoke(controlChannel('tophosts'), new FakeSender(1, 'https://evil.example/'))).toMatchObject({ ok: false, error: { code: 'EFORBIDDEN' } });

      await ipc.invoke(IPC.subscribe, win, { subscription: 1 });
      // Subscribed after the window, so by the time this sees the coalesced queue event, the window has it too.
      const queueEvent = new Promise<void>((resolve) => {
        const sub = relay.hub.subscribe((e) => {
          if (e.type === 'queue') {
            sub.unsubscribe();
            resolve();
          }
        });
      });
      await send(1);
      await queueEvent;
      expect(win.sent.every((m) => m.channel === IPC.event && (m.message as EventMessage).subscription === 1)).toBe(true);
      expect(win.sent.map((m) => (m.message as EventMessage).envelope.type)).toContain('queue');

      expect(await ipc.invoke(IPC.settingsSet, win, { settings: { notifications: { bounces: false } } })).toMatchObject({ ok: true });
      expect(store.current.notifications.bounces).toBe(false);
    } finally {
      unregister();
    }
  });
});
