/**
 * Smoke test of main.ts, the Electron wiring, in plain Node: the compiled
 * dist/electron/main.js is loaded with a fake 'electron' module that records
 * what main does with it, and a real relay starts on a temp data dir. Checks
 * the lock-down (scheme, sandbox, permissions, remote requests, navigation,
 * new windows, webviews), the window's webPreferences, IPC wiring with the
 * sender check, the tray, single instance, close-to-tray and a clean quit.
 * It compiles electron/ (and the core it imports) into a private folder
 * under .vitest-artifacts/, never the shared dist/.
 */
import { spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONTROL_METHODS } from '../../common/operations.js';
import { fakeKeychain } from '../helpers/fake-keychain.js';
import { startFakeGraph } from '../helpers/fake-graph.js';
import { startFakeTokenEndpoint } from '../helpers/fake-token-endpoint.js';
import { sendMail } from '../helpers/send-mail.js';
import { until } from '../helpers/until.js';

const ROOT = resolve(import.meta.dirname, '../..');

// Built at module level; vi.mock's factory (hoisted) only runs when main.js first imports 'electron'.
const fake = (() => {
  const EE = EventEmitter;
  const deferred = <T>() => {
    let resolve!: (v: T) => void;
    const promise = new Promise<T>((r) => (resolve = r));
    return { promise, resolve };
  };
  const state = {
    privileged: [] as unknown[],
    sandboxEnabled: false,
    protocolHandlers: new Map<string, (req: { url: string }) => Promise<Response>>(),
    ipcHandlers: new Map<string, (event: unknown, arg: unknown) => Promise<unknown>>(),
    permissionRequest: undefined as undefined | ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void),
    permissionCheck: undefined as undefined | (() => boolean),
    beforeRequest: undefined as undefined | ((d: { url: string }, cb: (r: { cancel: boolean }) => void) => void),
    windows: [] as FakeWindowT[],
    trays: [] as { image: unknown; toolTip: string; menu: { label?: string; type?: string }[]; emitter: InstanceType<typeof EE> }[],
    notifications: [] as unknown[],
    errorBoxes: [] as string[],
    windowCreated: deferred<void>(),
    exited: deferred<number>(),
    openAtLogin: false,
  };
  interface FakeWindowT {
    options: { webPreferences: Record<string, unknown> };
    url: string;
    visible: boolean;
    hide(): void;
    emitter: InstanceType<typeof EE>;
    webContents: InstanceType<typeof EE> & {
      id: number;
      mainFrame: { url: string };
      sent: unknown[];
      openHandler?: (d: { url: string }) => { action: string };
    };
  }
  let nextId = 1;
  const app = Object.assign(new EE(), {
    isPackaged: false,
    requestSingleInstanceLock: () => true,
    enableSandbox: () => {
      state.sandboxEnabled = true;
    },
    whenReady: () => Promise.resolve(),
    quit() {
      app.emit('before-quit');
      app.emit('will-quit', { preventDefault: () => undefined });
    },
    exit: (code: number) => state.exited.resolve(code),
    getLoginItemSettings: () => ({ openAtLogin: state.openAtLogin }),
    setLoginItemSettings: (s: { openAtLogin: boolean }) => {
      state.openAtLogin = s.openAtLogin;
    },
  });
  class BrowserWindow {
    options: FakeWindowT['options'];
    url = '';
    visible = false;
    emitter = new EE();
    destroyed = false;
    webContents: FakeWindowT['webContents'];
    constructor(options: FakeWindowT['options']) {
      this.options = options;
      const wc = Object.assign(new EE(), {
        id: nextId++,
        mainFrame: { url: '' },
        sent: [] as unknown[],
        openHandler: undefined as undefined | ((d: { url: string }) => { action: string }),
        send: (channel: string, m: unknown) => wc.sent.push({ channel, m }),
        isLoading: () => false,
        isDestroyed: () => false,
        setWindowOpenHandler: (fn: (d: { url: string }) => { action: string }) => (wc.openHandler = fn),
      });
      this.webContents = wc;
      app.emit('web-contents-created', {}, wc);
      state.windows.push(this as unknown as FakeWindowT);
      state.windowCreated.resolve();
    }
    on(ev: string, fn: (...a: unknown[]) => void) {
      this.emitter.on(ev, fn);
      return this;
    }
    async loadURL(url: string) {
      this.url = url;
      this.webContents.mainFrame.url = url;
    }
    isDestroyed = () => this.destroyed;
    isMinimized = () => false;
    restore() {}
    show() {
      this.visible = true;
    }
    focus() {}
    hide() {
      this.visible = false;
    }
  }
  class Tray {
    rec: (typeof state.trays)[number];
    constructor(image: unknown) {
      this.rec = { image, toolTip: '', menu: [], emitter: new EE() };
      state.trays.push(this.rec);
    }
    on(ev: string, fn: () => void) {
      this.rec.emitter.on(ev, fn);
    }
    setImage(i: unknown) {
      this.rec.image = i;
    }
    setToolTip(t: string) {
      this.rec.toolTip = t;
    }
    setContextMenu(m: (typeof state.trays)[number]['menu']) {
      this.rec.menu = m;
    }
  }
  class Notification extends EE {
    static isSupported = () => true;
    constructor(public opts: unknown) {
      super();
    }
    show() {
      state.notifications.push(this.opts);
    }
  }
  // Reversible, never plain text: what Electron's safeStorage does with the OS keychain's key.
  const keychain = fakeKeychain();
  const safeStorage = {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptString: (s: string) => keychain.encryptString(s),
    decryptString: (b: Buffer) => keychain.decryptString(b),
  };
  const electron = {
    app,
    safeStorage,
    BrowserWindow,
    Tray,
    Notification,
    Menu: { buildFromTemplate: (t: unknown) => t },
    nativeImage: { createFromPath: (p: string) => ({ path: p }) },
    dialog: { showErrorBox: (title: string, body: string) => state.errorBoxes.push(`${title}: ${body}`) },
    ipcMain: {
      handle: (ch: string, fn: (e: unknown, a: unknown) => Promise<unknown>) => state.ipcHandlers.set(ch, fn),
      removeHandler: (ch: string) => state.ipcHandlers.delete(ch),
    },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => state.privileged.push(...s),
      handle: (scheme: string, fn: (req: { url: string }) => Promise<Response>) => state.protocolHandlers.set(scheme, fn),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: typeof state.permissionRequest) => (state.permissionRequest = fn),
        setPermissionCheckHandler: (fn: typeof state.permissionCheck) => (state.permissionCheck = fn),
        webRequest: { onBeforeRequest: (fn: typeof state.beforeRequest) => (state.beforeRequest = fn) },
      },
    },
  };
  return { state, electron, app };
})();

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

let tmp: string;
let appRoot: string;
const argv = process.argv;

beforeAll(async () => {
  // A private build under the repo (so node_modules and "type": "module" resolve), never the shared dist/.
  await mkdir(join(ROOT, '.vitest-artifacts'), { recursive: true });
  appRoot = await mkdtemp(join(ROOT, '.vitest-artifacts', 'main-'));
  const tsc = spawnSync(process.execPath, [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'electron/tsconfig.json', '--outDir', join(appRoot, 'dist')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (!existsSync(join(appRoot, 'dist/electron/main.js'))) throw new Error(`electron build failed:\n${tsc.stdout}`);
  await mkdir(join(appRoot, 'renderer/dist'), { recursive: true });
  await writeFile(join(appRoot, 'renderer/dist/index.html'), '<!doctype html><title>test window</title>\n');
  tmp = await mkdtemp(join(tmpdir(), 'rw-main-'));
  const config = join(tmp, 'config.json');
  await writeFile(config, JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, control: { host: '127.0.0.1', port: 0 } }));
  process.argv = [process.execPath, 'main.js', '--data-dir', join(tmp, 'data'), '--config', config];
  await import(pathToFileURL(join(appRoot, 'dist/electron/main.js')).href);
  await Promise.race([
    fake.state.windowCreated.promise,
    fake.state.exited.promise.then((code) => {
      throw new Error(`main exited with ${code}: ${fake.state.errorBoxes.join('; ')}`);
    }),
  ]);
}, 60_000);

afterAll(async () => {
  process.argv = argv;
  if (tmp) await rm(tmp, { recursive: true, force: true });
  if (appRoot) await rm(appRoot, { recursive: true, force: true });
});

const win = () => fake.state.windows[0]!;
const invoke = (channel: string, frameUrl: string, arg?: unknown) =>
  fake.state.ipcHandlers.get(channel)!({ sender: win().webContents, senderFrame: frameUrl === win().url ? win().webContents.mainFrame : { url: frameUrl } }, arg);

describe('main.ts wiring (fake electron module, real relay)', () => {
  it('registers the app scheme as privileged and turns the sandbox on for every renderer', () => {
    expect(fake.state.privileged).toEqual([{ scheme: 'relaywatch', privileges: { standard: true, secure: true } }]);
    expect(fake.state.sandboxEnabled).toBe(true);
    expect([...fake.state.protocolHandlers.keys()]).toEqual(['relaywatch']);
  });

  it('opens one locked-down window on the app scheme', () => {
    expect(fake.state.windows).toHaveLength(1);
    expect(win().url).toBe('relaywatch://app/index.html');
    expect(win().visible).toBe(true);
    expect(win().options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false, webSecurity: true });
    expect(String(win().options.webPreferences.preload)).toBe(join(appRoot, 'dist/electron/preload.cjs'));
  });

  it('denies permissions, remote requests, navigation, new windows and webviews', () => {
    let granted: boolean | undefined;
    fake.state.permissionRequest!({}, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
    expect(fake.state.permissionCheck!()).toBe(false);
    const cancel = (url: string) => {
      let r: boolean | undefined;
      fake.state.beforeRequest!({ url }, (x) => (r = x.cancel));
      return r;
    };
    expect(cancel('https://example.com/tracker.js')).toBe(true);
    expect(cancel('file:///etc/passwd')).toBe(true);
    expect(cancel('relaywatch://app/assets/app.js')).toBe(false);
    const wc = win().webContents;
    let prevented = 0;
    const ev = { preventDefault: () => prevented++ };
    wc.emit('will-navigate', ev, 'https://example.com/');
    wc.emit('will-redirect', ev, 'https://example.com/');
    wc.emit('will-attach-webview', ev);
    expect(prevented).toBe(3);
    expect(wc.openHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('serves the renderer only from its folder, with the CSP', async () => {
    const handler = fake.state.protocolHandlers.get('relaywatch')!;
    expect((await handler({ url: 'relaywatch://app/../../package.json' })).status).toBe(404);
    expect((await handler({ url: 'relaywatch://app/%2e%2e/%2e%2e/package.json' })).status).toBe(404);
    const index = await handler({ url: 'relaywatch://app/index.html' });
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('test window');
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self'/);
    expect((await handler({ url: 'relaywatch://app/' })).status).toBe(200);
  });

  it('answers the window over IPC and refuses other frames', async () => {
    for (const m of CONTROL_METHODS) expect(fake.state.ipcHandlers.has(`relaywatch:control:${m}`), m).toBe(true);
    expect(await invoke('relaywatch:control:status', win().url)).toMatchObject({ ok: true, value: { queue: { messages: 0 } } });
    expect(await invoke('relaywatch:control:status', 'https://evil.example/')).toMatchObject({ ok: false, error: { code: 'EFORBIDDEN' } });
  });

  it('shows a tray icon with its menu; clicking it opens the window', () => {
    const tray = fake.state.trays[0]!;
    expect(String((tray.image as { path: string }).path)).toMatch(/build\/icons\/tray-(normal|warning|alert|suspended)\.png$/);
    expect(tray.menu.map((m) => m.label ?? m.type)).toEqual(['Open Relaywatch', 'Retry all now', 'separator', 'Suspend delivery', 'Start at login', 'Run the relay as a service…', 'separator', 'Quit Relaywatch']);
    expect(tray.toolTip).toContain('Relaywatch');
    win().hide();
    tray.emitter.emit('click');
    expect(win().visible).toBe(true);
  });

  it('closing the window hides it to the tray; a second launch shows it again', () => {
    let prevented = false;
    win().emitter.emit('close', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
    expect(win().visible).toBe(false);
    fake.app.emit('second-instance');
    expect(win().visible).toBe(true);
    expect(fake.state.windows).toHaveLength(1);
  });

  it('keeps a secret from the window with the keychain (never in plain text) and delivers with it through the fakes', async () => {
    const SECRET = 'window~secret.0123456789abcdefghij';
    const idp = await startFakeTokenEndpoint({ clientSecret: SECRET });
    const graph = await startFakeGraph({ idp, mailboxes: ['relay@corp.test'] });
    try {
      const call = async (m: string, arg?: unknown) => {
        const r = (await invoke(`relaywatch:control:${m}`, win().url, arg)) as { ok: boolean; value?: unknown; error?: unknown };
        if (!r.ok) throw new Error(`${m}: ${JSON.stringify(r.error)}`);
        return r.value as Record<string, unknown>;
      };
      expect(await call('setSecret', { name: 'RW_M365_SECRET', value: SECRET })).toEqual({ name: 'RW_M365_SECRET', stored: true });
      const status = await call('status');
      expect(status.secretStore).toEqual({ names: ['RW_M365_SECRET'] });
      const graphDest = { type: 'graph', name: 'Microsoft 365', priority: 10, mailbox: 'relay@corp.test', tenant: idp.tenant, clientId: idp.clientId, clientSecretEnv: 'RW_M365_SECRET', graphUrl: graph.url, tokenUrl: idp.url };
      const config = await call('configGet');
      await call('configSet', { config: { ...config, routes: [{ domain: 'corp.test', destinations: [], graph: [graphDest], bounceProfile: 'default' }] } });
      await sendMail((status.listener as { port: number }).port, { from: 'app@office.test', to: ['a@corp.test'], raw: 'From: app@office.test\r\nTo: a@corp.test\r\nSubject: s\r\n\r\nhi\r\n' });
      await until(() => graph.sent.length === 1, 'Graph sent the message', 15_000);
      expect(idp.requests.some((r) => r.credential === 'secret' && r.status === 200)).toBe(true);
      const data = join(tmp, 'data');
      const kept = await readFile(join(data, 'secrets.json'));
      expect(kept.includes(SECRET)).toBe(false);
      expect(kept.includes(Buffer.from(SECRET).toString('base64'))).toBe(false);
      for (const name of await readdir(data)) {
        const p = join(data, name);
        if ((await stat(p)).isFile()) expect((await readFile(p)).includes(SECRET), name).toBe(false);
      }
    } finally {
      await graph.close();
      await idp.close();
    }
  });

  it('Quit stops the relay cleanly and exits 0', async () => {
    fake.app.quit();
    expect(await fake.state.exited.promise).toBe(0);
    expect(existsSync(join(tmp, 'data', 'relay.lock'))).toBe(false);
  });
});

