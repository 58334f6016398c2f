/**
 * Runs the real preload source the way a sandboxed Electron renderer does: a
 * CommonJS script whose require() knows only 'electron', here a fake whose
 * ipcRenderer is wired to the real main-process handlers (ipc-handlers.ts).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import vm from 'node:vm';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTROL_METHODS, type ControlApi } from '../../common/operations.js';
import { EventHub } from '../../core/control/event-hub.js';
import { DesktopSettingsStore } from '../../electron/desktop-settings.js';
import { IPC } from '../../electron/ipc-channels.js';
import { registerIpcHandlers } from '../../electron/ipc-handlers.js';
import { FakeIpc, FakeSender, host, MemoryShellLog } from '../helpers/fake-electron.js';

const source = readFileSync(new URL('../../electron/preload.cts', import.meta.url), 'utf8');
const compiled = ts.transpileModule(source, {
  fileName: 'preload.cts',
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
}).outputText;

type Listener = (event: unknown, message: never) => void;

function loadPreload(ipc: FakeIpc, sender: FakeSender) {
  const listeners = new Map<string, Set<Listener>>();
  const required: string[] = [];
  const exposed: Record<string, unknown> = {};
  const fakeEvent = { sender: 'the ipcRenderer itself — must never reach the page' };
  sender.send = (channel, message) => {
    for (const l of listeners.get(channel) ?? []) l(fakeEvent, message as never);
  };
  const electron = {
    contextBridge: {
      exposeInMainWorld(name: string, api: unknown) {
        exposed[name] = api;
      },
    },
    ipcRenderer: {
      invoke: (channel: string, arg: unknown) => ipc.invoke(channel, sender, arg),
      on(channel: string, l: Listener) {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(l);
      },
      removeListener(channel: string, l: Listener) {
        listeners.get(channel)?.delete(l);
      },
    },
  };
  const module = { exports: {} };
  const sandboxRequire = (id: string): unknown => {
    required.push(id);
    if (id === 'electron') return electron;
    throw new Error(`module not found: ${id} (sandboxed preloads can only require electron)`);
  };
  // The same wrapper arguments as Electron's sandboxed preload.
  const wrapper = vm.runInNewContext(`(function (require, exports, module, console) { ${compiled}\n})`, {}) as (...a: unknown[]) => void;
  wrapper(sandboxRequire, module.exports, module, console);
  return { exposed, required, listeners };
}

let dir: string;
let hub: EventHub;
let unregister: () => void;
let ipc: FakeIpc;
const control = {
  status: async () => ({ version: '1.2.3' }),
  suspend: async (q: { host: string }) => host({ host: q.host, suspended: true }),
} as unknown as ControlApi;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rw-preload-'));
  ipc = new FakeIpc();
  hub = new EventHub({ queueTotals: () => ({ recipients: 0, messages: 0 }) });
  const fullApi = Object.fromEntries(CONTROL_METHODS.map((m) => [m, (control as unknown as Record<string, unknown>)[m] ?? (async () => null)])) as unknown as ControlApi;
  unregister = registerIpcHandlers({
    ipc,
    control: fullApi,
    hub,
    isTrusted: (s) => s.webContentsId === 1,
    settings: new DesktopSettingsStore(dir, new MemoryShellLog()),
    onSettingsSaved: () => undefined,
    log: new MemoryShellLog(),
  });
});
afterEach(async () => {
  unregister();
  await rm(dir, { recursive: true, force: true });
});

describe('preload', () => {
  it('requires nothing but electron and exposes one bridge, `relaywatch`', () => {
    const { exposed, required } = loadPreload(ipc, new FakeSender(1));
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['relaywatch']);
  });

  it('exposes one named method per control operation, plus the event, desktop and relay-list methods — never raw IPC', () => {
    const api = loadPreload(ipc, new FakeSender(1)).exposed.relaywatch as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...CONTROL_METHODS, 'onEvent', 'onNavigate', 'desktopSettingsGet', 'desktopSettingsSet', 'relaysList', 'relaysWatch', 'relaysUnwatch', 'relaysSelect', 'onRelaysChanged'].sort());
    for (const v of Object.values(api)) expect(typeof v).toBe('function');
    for (const raw of ['invoke', 'send', 'on', 'ipcRenderer', 'sendSync']) expect(api).not.toHaveProperty(raw);
  });

  it('calls reach the main process and come back as values', async () => {
    const api = loadPreload(ipc, new FakeSender(1)).exposed.relaywatch as ControlApi;
    expect(await api.status()).toEqual({ version: '1.2.3' });
    expect(await api.suspend({ host: 'a:25' })).toMatchObject({ host: 'a:25', suspended: true });
  });

  it('failures reject with the contract error body, as over HTTP', async () => {
    const api = loadPreload(ipc, new FakeSender(1)).exposed.relaywatch as ControlApi;
    await expect(api.suspend({ host: 'not\ta host' })).rejects.toMatchObject({ error: { code: 'EARGS', field: 'host' } });
    const stranger = loadPreload(ipc, new FakeSender(2)).exposed.relaywatch as ControlApi;
    await expect(stranger.status()).rejects.toEqual({ error: { code: 'EFORBIDDEN', message: 'this frame may not use the relay' } });
  });

  it('onEvent delivers envelopes (never the IPC event) for its own subscription, until unsubscribed', async () => {
    const { exposed, listeners } = loadPreload(ipc, new FakeSender(1));
    const api = exposed.relaywatch as { onEvent: (cb: (e: unknown) => void, since?: number) => () => void };
    hub.publish('config', { changedBy: 'before' });
    const a: unknown[] = [];
    const b: unknown[] = [];
    const offA = api.onEvent((e) => a.push(e), 0);
    api.onEvent((e) => b.push(e));
    // Subscriptions are set up by an invoke; let it complete.
    await new Promise((r) => setImmediate(r));
    hub.publish('log', { lines: ['hello'] });
    expect(a).toMatchObject([{ type: 'config', seq: 1 }, { type: 'log', seq: 2, data: { lines: ['hello'] } }]);
    expect(b).toMatchObject([{ type: 'log', seq: 2 }]);
    offA();
    await new Promise((r) => setImmediate(r));
    hub.publish('log', { lines: ['later'] });
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(2);
    expect(listeners.get(IPC.event)?.size).toBe(1);
  });

  it('onNavigate passes only the view and host', () => {
    const sender = new FakeSender(1);
    const api = loadPreload(ipc, sender).exposed.relaywatch as { onNavigate: (cb: (m: unknown) => void) => () => void };
    const got: unknown[] = [];
    const off = api.onNavigate((m) => got.push(m));
    sender.send(IPC.navigate, { view: 'hosts', host: 'a:25', extra: 'dropped' });
    off();
    sender.send(IPC.navigate, { view: 'queue' });
    expect(got).toEqual([{ view: 'hosts', host: 'a:25' }]);
  });

  it('desktop settings round-trip through main', async () => {
    const api = loadPreload(ipc, new FakeSender(1)).exposed.relaywatch as {
      desktopSettingsGet: () => Promise<{ notifications: { graceSeconds: number } }>;
      desktopSettingsSet: (s: unknown) => Promise<{ notifications: { graceSeconds: number } }>;
    };
    expect((await api.desktopSettingsGet()).notifications.graceSeconds).toBe(60);
    expect((await api.desktopSettingsSet({ notifications: { graceSeconds: 30 } })).notifications.graceSeconds).toBe(30);
    await expect(api.desktopSettingsSet({ notifications: { graceSeconds: 'x' } })).rejects.toMatchObject({ error: { field: 'notifications.graceSeconds' } });
  });
});
