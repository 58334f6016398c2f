/**
 * main: the Electron entry point. Wires the real Electron APIs into the shell's ports,
 * starts the relay in-process, owns the app lifecycle (single instance, window close
 * keeps the tray, Quit stops the relay), the app:// scheme and the session lock-down.
 * Deliberately thin: every decision is in a module the tests run in plain Node.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, protocol, safeStorage, session, Tray, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveDataDir } from '../core/local-relay.js';
import { applyHeapPolicy, defaultConfigFile, defaultDataDir, loadConfig, startRelay, type Relay } from '../core/relay.js';
import { DesktopSettingsStore } from './desktop-settings.js';
import { IPC, type NavigateMessage } from './ipc-channels.js';
import { registerIpcHandlers } from './ipc-handlers.js';
import { keychainCipher } from './keychain.js';
import type { AppPort, IpcPort, IpcSender, MenuEntry, NotifierPort, ShellLog, TrayIconState, TrayPort, WindowPort } from './ports.js';
import { registerRelayIpc } from './relay-ipc.js';
import { RelaySet } from './relay-set.js';
import { handOverToService, takeBackFromService, type HandoverPorts } from './service-handover/handover.js';
import { servicePorts } from './service-handover/service-ports.js';
import { serviceText, shellLines } from './shell-text.js';
import { APP_ENTRY_URL, APP_ORIGIN, APP_SCHEME, isAllowedNavigation, isTrustedSender, resolveAppFile, responseHeaders } from './window-security.js';

// As early as the main process allows (core/runtime/heap-policy.ts says why).
applyHeapPolicy();

const here = dirname(fileURLToPath(import.meta.url));
const appRoot = join(here, '..', '..');
const rendererDir = join(appRoot, 'renderer', 'dist');
const iconDir = join(appRoot, 'build', 'icons');
const preloadPath = join(here, 'preload.cjs');

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
app.enableSandbox();

let quitting = false;
let relay: Relay | undefined;
let relays: RelaySet | undefined;
let handover: HandoverPorts | undefined;
let settingsStore: DesktopSettingsStore | undefined;
let stopIpc: (() => void) | undefined;
let win: BrowserWindow | undefined;
const windowIds = new Set<number>();
// Notifications are garbage-collected (and lose their click handler) unless referenced.
const liveNotices = new Set<Notification>();

const consoleLog: ShellLog = { info: (t) => process.stdout.write(`${t}\n`), warn: (t) => process.stderr.write(`${t}\n`) };
const log = (): ShellLog => relay?.log ?? consoleLog;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => windowPort.show());
  app.on('web-contents-created', (_e, contents) => lockDown(contents));
  // Closing the last window leaves the app in the tray.
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => windowPort.show());
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('will-quit', (e) => {
    if (!relay) return;
    e.preventDefault();
    const r = relay;
    relay = undefined;
    relays?.stop();
    stopIpc?.();
    r.stop('desktop app quit').then(
      () => app.exit(0),
      (err: Error) => {
        consoleLog.warn(err.message);
        app.exit(1);
      },
    );
  });
  app
    .whenReady()
    .then(start)
    .catch((e: Error) => fail(e));
}

function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (e, url) => {
    if (isAllowedNavigation(url)) return;
    e.preventDefault();
    log().warn(shellLines.navigationBlocked(url));
  });
  contents.on('will-redirect', (e, url) => {
    if (isAllowedNavigation(url)) return;
    e.preventDefault();
    log().warn(shellLines.navigationBlocked(url));
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    log().warn(shellLines.windowOpenBlocked(url));
    return { action: 'deny' };
  });
}

async function start(): Promise<void> {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => {
    log().warn(shellLines.permissionDenied(permission));
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  // No remote content: anything but the app's own scheme (and devtools) is cancelled.
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !details.url.startsWith(`${APP_ORIGIN}/`) && !details.url.startsWith('devtools:') });
  });
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(rendererDir, request.url);
    if (!file) return new Response('Not found', { status: 404 });
    try {
      return new Response(await readFile(file), { headers: responseHeaders(file) });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log().warn(shellLines.appFileFailed(request.url, (e as Error).message));
      return new Response('Not found', { status: 404 });
    }
  });

  const { values } = parseArgs({
    args: process.argv.slice(app.isPackaged ? 1 : 2),
    options: { 'data-dir': { type: 'string' }, config: { type: 'string' } },
    strict: false,
  });
  const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir();
  // Without --config: the data dir's own config.json, which Settings write (defaults until then).
  const explicit = typeof values.config === 'string' ? values.config : undefined;
  const configFile = explicit ?? defaultConfigFile(dataDir);
  const settings = new DesktopSettingsStore(resolveDataDir(dataDir), consoleLog);
  await settings.load();
  settingsStore = settings;
  // Secrets typed into the window are kept with the OS keychain's key (none: the window asks for a variable).
  const startLocal = async (): Promise<Relay> => {
    const config = await loadConfig(configFile, { missingOk: explicit === undefined });
    relay = await startRelay({ config, configFile, dataDir, staticDir: rendererDir, keychain: keychainCipher(safeStorage) });
    if (relay.controlUrl) consoleLog.info(shellLines.dashboard(relay.controlUrl));
    return relay;
  };
  // An installed service owns the data dir (service-handover/): the app only watches it, never a second relay.
  if (settings.current.relay.mode === 'in-app') await startLocal();
  const tray = new Tray(trayImage('normal'));
  tray.on('click', () => windowPort.show());
  // The in-process relay plus every relay watched by a connection code; one tray for all.
  const cipher = keychainCipher(safeStorage);
  if (!cipher) log().warn('Desktop: no OS keychain: a relay watched now is watched for this run only');
  const set = await RelaySet.start(
    { tray: trayPort(tray), window: windowPort, notifier: notifierPort, app: appPort, log: log(), settings, cipher },
    relay ? { control: relay.control, hub: relay.hub } : undefined,
  );
  relays = set;
  handover = servicePorts({
    relays: set,
    settings,
    dataDir,
    configFile,
    cli: ['relaywatch'],
    stopLocal: async () => {
      const r = relay;
      relay = undefined;
      await r?.stop('handed over to the service');
    },
    startLocal,
  });
  const isTrusted = (sender: IpcSender): boolean => isTrustedSender(sender, windowIds);
  const stopControlIpc = registerIpcHandlers({
    ipc: ipcPort,
    target: () => set.selected,
    isTrusted,
    settings,
    onSettingsSaved: (next) => set.applySettings(next),
    log: log(),
  });
  const stopRelayIpc = registerRelayIpc({ ipc: ipcPort, relays: set, isTrusted, log: log() });
  stopIpc = () => {
    stopControlIpc();
    stopRelayIpc();
  };
  windowPort.show();
}

function fail(e: Error): void {
  dialog.showErrorBox('Relaywatch could not start', e.message);
  app.exit(1);
}

function trayImage(state: TrayIconState): Electron.NativeImage {
  // tray-<state>.png plus tray-<state>@2x.png: Electron picks the one for the screen's scale.
  return nativeImage.createFromPath(join(iconDir, `tray-${state}.png`));
}

function trayPort(tray: Tray): TrayPort {
  return {
    setIcon: (state) => tray.setImage(trayImage(state)),
    setToolTip: (text) => tray.setToolTip(text),
    setMenu(entries: readonly MenuEntry[], onAction) {
      const template = entries.map((m): Electron.MenuItemConstructorOptions =>
        m.kind === 'separator'
          ? { type: 'separator' }
          : { label: m.label, enabled: m.enabled, ...(m.kind === 'checkbox' ? { type: 'checkbox', checked: m.checked } : {}), click: () => onAction(m.id) },
      );
      tray.setContextMenu(Menu.buildFromTemplate(template));
    },
  };
}

const windowPort: WindowPort = {
  show(route?: NavigateMessage) {
    if (!relay) return;
    if (!win || win.isDestroyed()) win = createWindow();
    const w = win;
    if (w.isMinimized()) w.restore();
    w.show();
    w.focus();
    if (!route) return;
    if (w.webContents.isLoading()) w.webContents.once('did-finish-load', () => w.webContents.send(IPC.navigate, route));
    else w.webContents.send(IPC.navigate, route);
  },
};

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1180,
    height: 780,
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: 'Relaywatch',
    icon: join(iconDir, 'icon-256.png'),
    autoHideMenuBar: true,
    // Written out here, where the window is made, so reviewers and static
    // scanners see every isolation switch at the point of use.
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      // Middle-click would otherwise try to open links in new windows (denied anyway below).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  const id = w.webContents.id;
  windowIds.add(id);
  w.on('closed', () => windowIds.delete(id));
  w.on('close', (e) => {
    // Keep the page alive in the tray until the app quits: reopening is instant.
    if (quitting) return;
    e.preventDefault();
    w.hide();
  });
  w.loadURL(APP_ENTRY_URL).catch((e: Error) => log().warn(shellLines.windowLoadFailed(e.message)));
  return w;
}

const notifierPort: NotifierPort = {
  isSupported: () => Notification.isSupported(),
  show(notice, onClick) {
    const n = new Notification({ title: notice.title, body: notice.body });
    liveNotices.add(n);
    n.on('click', () => {
      liveNotices.delete(n);
      onClick();
    });
    n.on('close', () => liveNotices.delete(n));
    n.show();
  },
};

const appPort: AppPort = {
  quit: () => app.quit(),
  getOpenAtLogin: () => app.getLoginItemSettings().openAtLogin,
  setOpenAtLogin: (on) => app.setLoginItemSettings({ openAtLogin: on }),
  serviceMode: () => settingsStore?.current.relay.mode ?? 'in-app',
  switchServiceMode: async () => {
    const ports = handover;
    if (!ports) return;
    const toService = appPort.serviceMode!() === 'in-app';
    const ask = toService ? serviceText.askHandOver : serviceText.askTakeBack;
    const { response } = await dialog.showMessageBox({ type: 'question', buttons: [ask.confirm, 'Cancel'], defaultId: 1, cancelId: 1, message: ask.title, detail: ask.detail });
    if (response !== 0) return;
    const r = toService ? await handOverToService(ports) : await takeBackFromService(ports);
    if (r.ok) await dialog.showMessageBox({ type: 'info', message: toService ? serviceText.handedOver : serviceText.tookBack });
    else dialog.showErrorBox(serviceText.failed, [r.message, r.rollbackError ?? (r.rolledBack ? serviceText.rolledBack : '')].filter(Boolean).join('\n\n'));
  },
};

function senderOf(event: IpcMainInvokeEvent): IpcSender {
  const wc = event.sender;
  const frame = event.senderFrame;
  return {
    webContentsId: wc.id,
    frameUrl: frame ? frame.url : null,
    isMainFrame: frame !== null && frame === wc.mainFrame,
    send: (channel, message) => wc.send(channel, message),
    isDestroyed: () => wc.isDestroyed(),
    onGone(fn) {
      // A reload or navigation ends the page's subscriptions as surely as closing it.
      const gone = (): void => {
        wc.off('did-navigate', gone);
        wc.off('render-process-gone', gone);
        wc.off('destroyed', gone);
        fn();
      };
      wc.on('did-navigate', gone);
      wc.on('render-process-gone', gone);
      wc.on('destroyed', gone);
    },
  };
}

const ipcPort: IpcPort = {
  handle: (channel, handler) => ipcMain.handle(channel, (event, arg: unknown) => handler(senderOf(event), arg)),
  removeHandler: (channel) => ipcMain.removeHandler(channel),
};
