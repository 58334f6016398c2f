import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTROL_METHODS, type ControlApi } from '../../common/operations.js';
import { EventHub } from '../../core/control/event-hub.js';
import { RelayError } from '../../core/errors/relay-error.js';
import { DesktopSettingsStore, type DesktopSettings } from '../../electron/desktop-settings.js';
import { controlChannel, IPC, type EventMessage } from '../../electron/ipc-channels.js';
import { registerIpcHandlers } from '../../electron/ipc-handlers.js';
import { isTrustedSender } from '../../electron/window-security.js';
import { FakeIpc, FakeSender, host, MemoryShellLog } from '../helpers/fake-electron.js';

/** A control API that records its calls; hoststatus fails the way commands.ts does for an unknown host. */
function fakeApi(calls: { method: string; arg: unknown }[]): ControlApi {
  const rec =
    <T>(method: string, value: T) =>
    async (arg?: unknown): Promise<T> => {
      calls.push({ method, arg });
      return value;
    };
  return {
    status: rec('status', { version: 'x' } as never),
    tophosts: rec('tophosts', [host({ host: 'a:25' })]),
    hoststatus: async (q) => {
      calls.push({ method: 'hoststatus', arg: q });
      throw new RelayError({ code: 'EARGS', message: `host ${q.host}: not a known destination`, temporary: false });
    },
    showrecipients: rec('showrecipients', { items: [], total: 0, cursor: null }),
    oldmessage: rec('oldmessage', null),
    retryall: rec('retryall', { scheduled: 3, operationId: 'op1' }),
    delivernow: rec('delivernow', { scheduled: 0, operationId: 'op2' }),
    retry: rec('retry', { scheduled: 1, operationId: 'op3' }),
    suspend: rec('suspend', host({ host: 'a:25', suspended: true })),
    resume: rec('resume', host({ host: 'a:25' })),
    deleterecipients: rec('deleterecipients', { affected: 0 }),
    bouncerecipients: rec('bouncerecipients', { affected: 0 }),
    configGet: rec('configGet', {} as never),
    configSet: rec('configSet', {} as never),
    configFile: rec('configFile', {} as never),
    interfaces: rec('interfaces', [] as never),
    logTail: async () => {
      throw new TypeError('boom: a bug, with /secret/path in its stack');
    },
    testConnection: rec('testConnection', { ok: true, detail: '220', tls: false, millis: 1 }),
    history: rec('history', { samples: [], hosts: [] }),
    bounces: rec('bounces', { items: [], total: 0 }),
    userList: rec('userList', []),
    userAdd: rec('userAdd', { name: 'scanner', from: [], createdAt: 0 }),
    userPasswd: rec('userPasswd', { name: 'scanner' }),
    userRemove: rec('userRemove', { name: 'scanner' }),
    certificateReplace: rec('certificateReplace', {} as never),
    setSecret: rec('setSecret', { name: 'X', stored: true }),
  };
}

let dir: string;
let ipc: FakeIpc;
let hub: EventHub;
let log: MemoryShellLog;
let calls: { method: string; arg: unknown }[];
let saved: DesktopSettings[];
let unregister: () => void;
const windows = new Set([1]);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rw-ipc-'));
  ipc = new FakeIpc();
  hub = new EventHub({ ringSize: 5, queueTotals: () => ({ recipients: 0, messages: 0 }) });
  log = new MemoryShellLog();
  calls = [];
  saved = [];
  const settings = new DesktopSettingsStore(dir, log);
  unregister = registerIpcHandlers({
    ipc,
    control: fakeApi(calls),
    hub,
    isTrusted: (s) => isTrustedSender(s, windows),
    settings,
    onSettingsSaved: (s) => saved.push(s),
    log,
  });
});
afterEach(async () => {
  unregister();
  await rm(dir, { recursive: true, force: true });
});

const ours = () => new FakeSender(1);

describe('IPC handlers', () => {
  it('registers one channel per control operation, plus events and settings', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(
      [...CONTROL_METHODS.map(controlChannel), IPC.subscribe, IPC.unsubscribe, IPC.settingsGet, IPC.settingsSet].sort(),
    );
  });

  it('calls the operation with validated arguments and wraps the result', async () => {
    expect(await ipc.invoke(controlChannel('retryall'), ours())).toEqual({ ok: true, value: { scheduled: 3, operationId: 'op1' } });
    expect(await ipc.invoke(controlChannel('suspend'), ours(), { host: 'a:25' })).toMatchObject({ ok: true, value: { suspended: true } });
    expect(calls).toEqual([
      { method: 'retryall', arg: undefined },
      { method: 'suspend', arg: { host: 'a:25' } },
    ]);
  });

  it('refuses senders that are not the top frame of our window, before touching the relay', async () => {
    const strangers = [new FakeSender(2), new FakeSender(1, 'relaywatch://app/index.html', false), new FakeSender(1, 'https://evil.example/'), new FakeSender(1, null)];
    for (const s of strangers) {
      expect(await ipc.invoke(controlChannel('retryall'), s)).toEqual({ ok: false, error: { code: 'EFORBIDDEN', message: 'this frame may not use the relay' } });
      expect(await ipc.invoke(IPC.subscribe, s, { subscription: 1 })).toMatchObject({ ok: false, error: { code: 'EFORBIDDEN' } });
    }
    expect(calls).toEqual([]);
    expect(log.warnings).toHaveLength(8);
    expect(log.warnings[4]).toContain('https://evil.example/');
  });

  it('rejects bad arguments with the field named, without calling the operation', async () => {
    const cases: [string, unknown, string][] = [
      ['suspend', { host: 'no\nport here' }, 'host'],
      ['suspend', { host: 'a:25', extra: 1 }, ''],
      ['retry', { mid: -1 }, 'mid'],
      ['retry', { mid: '7' }, 'mid'],
      ['showrecipients', { limit: 5000 }, 'limit'],
      ['status', { sneaky: true }, ''],
      ['testConnection', { host: 'x', port: 70000, tls: 'none' }, 'port'],
    ];
    for (const [method, arg, field] of cases) {
      const r = (await ipc.invoke(controlChannel(method as never), ours(), arg)) as { ok: boolean; error: { code: string; field?: string } };
      expect(r.ok, `${method} ${JSON.stringify(arg)}`).toBe(false);
      expect(r.error.code).toBe('EARGS');
      if (field) expect(r.error.field).toBe(field);
    }
    expect(calls).toEqual([]);
  });

  it('passes relay errors through and hides unexpected ones (logged in full)', async () => {
    expect(await ipc.invoke(controlChannel('hoststatus'), ours(), { host: 'b:25' })).toEqual({
      ok: false,
      error: { code: 'EARGS', message: 'host b:25: not a known destination' },
    });
    const r = await ipc.invoke(controlChannel('logTail'), ours(), {});
    expect(r).toEqual({ ok: false, error: { code: 'EINTERNAL', message: 'internal error; see the mail log' } });
    expect(JSON.stringify(r)).not.toContain('/secret/path');
    expect(log.warnings.at(-1)).toContain('boom: a bug');
  });

  it('forwards events to the subscribing window, replays from `since`, and stops on unsubscribe', async () => {
    hub.publish('config', { changedBy: 'a' });
    hub.publish('config', { changedBy: 'b' });
    const s = ours();
    expect(await ipc.invoke(IPC.subscribe, s, { subscription: 4, since: 1 })).toEqual({ ok: true, value: { subscription: 4, complete: true } });
    hub.publish('log', { lines: ['x'] });
    const got = s.sent.map((m) => m.message as EventMessage);
    expect(s.sent.every((m) => m.channel === IPC.event)).toBe(true);
    expect(got.map((m) => [m.subscription, m.envelope.type, m.envelope.seq])).toEqual([
      [4, 'config', 2],
      [4, 'log', 3],
    ]);
    expect(await ipc.invoke(IPC.subscribe, s, { subscription: 4 })).toMatchObject({ ok: false, error: { code: 'EARGS', field: 'subscription' } });
    expect(await ipc.invoke(IPC.unsubscribe, s, { subscription: 4 })).toEqual({ ok: true, value: true });
    hub.publish('log', { lines: ['y'] });
    expect(s.sent).toHaveLength(2);
  });

  it('asks the window to resync when the ring no longer reaches back to `since`', async () => {
    for (let i = 0; i < 9; i++) hub.publish('log', { lines: [`${i}`] });
    const s = ours();
    expect(await ipc.invoke(IPC.subscribe, s, { subscription: 1, since: 2 })).toEqual({ ok: true, value: { subscription: 1, complete: false } });
    const last = s.sent.at(-1)!.message as EventMessage;
    expect(last.envelope).toEqual({ type: 'resync', seq: 9 });
  });

  it('drops a window\'s subscriptions when its page goes away or is destroyed', async () => {
    const a = ours();
    await ipc.invoke(IPC.subscribe, a, { subscription: 1 });
    await ipc.invoke(IPC.subscribe, a, { subscription: 2 });
    a.leave();
    hub.publish('log', { lines: ['after'] });
    expect(a.sent).toEqual([]);
    // The reloaded page starts counting at 1 again.
    const b = ours();
    expect(await ipc.invoke(IPC.subscribe, b, { subscription: 1 })).toMatchObject({ ok: true });
    b.destroyed = true;
    hub.publish('log', { lines: ['gone'] });
    b.destroyed = false;
    hub.publish('log', { lines: ['still gone'] });
    expect(b.sent).toEqual([]);
  });

  it('validates subscription arguments', async () => {
    for (const bad of [undefined, {}, { subscription: 0 }, { subscription: 1.5 }, { subscription: 1, since: -1 }, { subscription: 1, extra: true }]) {
      expect(await ipc.invoke(IPC.subscribe, ours(), bad), JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'EARGS' } });
    }
  });

  it('gets and saves desktop settings, telling the shell about a saved change', async () => {
    const r = (await ipc.invoke(IPC.settingsGet, ours())) as { ok: true; value: DesktopSettings };
    expect(r.value.notifications.graceSeconds).toBe(60);
    expect(await ipc.invoke(IPC.settingsGet, ours(), { x: 1 })).toMatchObject({ ok: false });
    expect(await ipc.invoke(IPC.settingsSet, ours(), { settings: { notifications: { graceSeconds: -3 } } })).toMatchObject({
      ok: false,
      error: { code: 'EARGS', field: 'notifications.graceSeconds' },
    });
    expect(saved).toEqual([]);
    const ok = (await ipc.invoke(IPC.settingsSet, ours(), { settings: { notifications: { graceSeconds: 120, bounces: false } } })) as { ok: true; value: DesktopSettings };
    expect(ok.value.notifications).toMatchObject({ graceSeconds: 120, bounces: false, hostDown: true });
    expect(saved).toEqual([ok.value]);
  });

  it('unregistering removes every handler', () => {
    unregister();
    expect(ipc.handlers.size).toBe(0);
  });
});
