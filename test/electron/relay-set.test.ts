/**
 * The desktop shell watching relays: the in-process one plus a relay whose
 * control API is HTTPS on 127.0.0.2, watched through a connection code from
 * the real `relaywatch pair`. Its hosts and events arrive; the tray shows the
 * worst of both and names both; notices name the relay; a revoke shows at
 * once; a foreign certificate is refused before a byte of the token is sent.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPairCommand, runTokenCommand } from '../../cli/token-commands.js';
import type { EventEnvelope } from '../../common/events.js';
import { decodePairingCode, encodePairingCode } from '../../common/pairing-code.js';
import type { Relay } from '../../core/relay.js';
import { DesktopSettingsStore } from '../../electron/desktop-settings.js';
import { RelaySet } from '../../electron/relay-set.js';
import { controlChannel } from '../../electron/ipc-channels.js';
import { registerIpcHandlers } from '../../electron/ipc-handlers.js';
import { FakeApp, FakeIpc, FakeNotifier, FakeSender, FakeTray, FakeWindow, MemoryShellLog } from '../helpers/fake-electron.js';
import { fakeKeychain } from '../helpers/fake-keychain.js';
import { startTestRelay } from '../helpers/relay-harness.js';
import { sendMail } from '../helpers/send-mail.js';
import { selfSignedCert, startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';
import { until } from '../helpers/until.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function relayWith(sink: SmtpSink, control: Record<string, unknown> | false): Promise<{ relay: Relay; dir: string }> {
  const { dir, remove } = await tempDir('rw-watch-');
  cleanups.push(remove);
  const config = testConfig({
    ...(control ? { control } : {}),
    routes: [{ domain: 'corp.test', destinations: [{ host: '127.0.0.1', port: sink.port, priority: 10, tls: 'none' }] }],
    bounceProfiles: { default: { initialRetrySeconds: 60, maxRetrySeconds: 60 } },
  });
  const relay = await startTestRelay(config, dir, control ? {} : { controlServer: false });
  cleanups.push(() => relay.stop('test done'));
  return { relay, dir };
}

async function sinkFor(): Promise<SmtpSink> {
  const sink = await startSmtpSink();
  cleanups.push(() => sink.stop());
  return sink;
}

async function pairCode(dir: string): Promise<{ code: string; id: string }> {
  let out = '';
  let err = '';
  const rc = await runPairCommand(['--data-dir', dir], { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  expect(rc, err).toBe(0);
  return { code: out.trim(), id: /token ([0-9a-f]{8})/.exec(err)![1]! };
}

async function desktop(dataDir: string, local?: Relay, cipher = fakeKeychain()) {
  const settings = new DesktopSettingsStore(dataDir, new MemoryShellLog());
  await settings.load();
  // A short grace period: the "down" notice comes within the test.
  await settings.save({ notifications: { graceSeconds: 1 } });
  const tray = new FakeTray();
  const notifier = new FakeNotifier();
  const log = new MemoryShellLog();
  const set = await RelaySet.start(
    { tray, window: new FakeWindow(), notifier, app: new FakeApp(), log, settings, cipher, refreshMinIntervalMs: 50 },
    local ? { control: local.control, hub: local.hub, name: 'Head office' } : undefined,
  );
  cleanups.push(() => set.stop());
  return { set, tray, notifier, settings, log, cipher };
}

const send = (relay: Relay, n = 1) => Promise.all(Array.from({ length: n }, (_, i) => sendMail(relay.smtp.port, { from: 'scanner@office.test', to: [`user${i}@corp.test`] })));

describe('desktop: watching relays', () => {
  it('a relay paired over TLS on 127.0.0.2: hosts and events arrive; two relays, the tray the worst of both, notices and tooltip name them; a revoke shows at once', async () => {
    const localSink = await sinkFor();
    const remoteSink = await sinkFor();
    const local = await relayWith(localSink, false);
    const remote = await relayWith(remoteSink, { host: '127.0.0.2', port: 0, tls: 'listener' });
    const { code, id: tokenId } = await pairCode(remote.dir);
    expect(decodePairingCode(code)).toMatchObject({ url: expect.stringMatching(/^https:\/\/127\.0\.0\.2:\d+\/$/) });

    const { set, tray, notifier, settings, cipher } = await desktop(local.dir, local.relay);
    const info = await set.watchCode(code, 'Branch office');
    expect(info).toMatchObject({ name: 'Branch office', kind: 'remote', persisted: true });
    const watched = set.get(info.id)!;
    await until(() => watched.conn.state.kind === 'connected', 'the event stream is open');

    // Events from the remote relay reach a subscriber of the connection.
    const seen: EventEnvelope[] = [];
    watched.conn.hub.subscribe((e) => seen.push(e));
    await send(remote.relay);
    await remoteSink.waitForMessages(1);
    await until(() => seen.some((e) => e.type === 'host'), 'a host event from the remote relay');
    // Its hosts, through the connection's control.
    expect((await watched.conn.control.tophosts()).map((h) => h.host)).toContain(remoteSink.key);

    // desktop.json keeps the watch, the token only sealed.
    const file = await readFile(join(local.dir, 'desktop.json'), 'utf8');
    expect(file).not.toContain(decodePairingCode(code) instanceof Error ? 'x' : (decodePairingCode(code) as { token: string }).token);
    expect(settings.relays).toHaveLength(1);
    expect(cipher.decrypt(Buffer.from(settings.relays[0]!.sealedToken, 'base64'))).toMatch(/^rwt\./);

    // Remote destination down, local one fine → alert, and the tooltip names both.
    await send(local.relay);
    await localSink.waitForMessages(1);
    await set.refresh();
    expect(tray.icon).toBe('normal');
    await remoteSink.stop();
    await send(remote.relay);
    await tray.waitForIcon('alert', 15_000);
    expect(tray.toolTip).toContain('Branch office: 1 host down');
    expect(tray.toolTip).toContain('Head office:');
    // After the grace period: the notice names the relay.
    await notifier.waitFor(1, 15_000);
    expect(notifier.notices[0]!.title).toMatch(/ — relay 'Branch office'$/);
    // The one tray menu is the selected relay's: with two watched, what changes a relay names it.
    expect(tray.label('suspendAll')).toBe("Suspend delivery on 'Head office'");
    set.select(info.id);
    await until(() => /^Retry all now \(1\) on 'Branch office'$/.test(tray.label('retryAll') ?? ''), 'the menu of the selected relay, named', 5000);
    expect(tray.label('open')).toBe('Open Relaywatch');

    // Revoke: the connection shows it without any call from us.
    let out = '';
    expect(await runTokenCommand(['revoke', tokenId, '--data-dir', remote.dir], { stdout: (t) => void (out += t), stderr: () => undefined })).toBe(0);
    await until(() => watched.conn.state.kind === 'revoked', 'the connection shows the revoke', 3000);
    expect(set.list().find((r) => r.id === info.id)!.state).toEqual({ kind: 'revoked', reason: 'access revoked, pair again' });
    expect(tray.toolTip).toContain('Branch office: access revoked, pair again');
    // And a notice, at once: only the admin can mend it.
    await notifier.waitFor(2, 3000);
    expect(notifier.notices.at(-1)!.title).toBe("Relay 'Branch office': access revoked");
  }, 60_000);

  it('a relay paired read-only: the list says so, and the tray menu greys out what it would refuse', async () => {
    const sink = await sinkFor();
    const remote = await relayWith(sink, { host: '127.0.0.2', port: 0, tls: 'listener' });
    let code = '';
    expect(await runPairCommand(['--data-dir', remote.dir, '--read-only'], { stdout: (t) => void (code += t), stderr: () => undefined })).toBe(0);
    const { dir, remove } = await tempDir('rw-watch-desk-');
    cleanups.push(remove);
    const { set, tray } = await desktop(dir);
    const info = await set.watchCode(code.trim(), 'Branch office');
    await until(() => set.get(info.id)!.conn.state.kind === 'connected', 'connected');
    expect(set.list().find((r) => r.id === info.id)).toMatchObject({ readOnly: true, selected: true });
    // Mail waiting, so Retry all would be offered to a full watcher.
    await sink.stop();
    await send(remote.relay);
    await set.refresh();
    await until(() => tray.label('retryAll') === 'Retry all now (1)', 'the menu counts the waiting recipient');
    const entry = (id: string) => tray.menu.find((m) => m.kind !== 'separator' && m.id === id) as { enabled: boolean } | undefined;
    expect(entry('retryAll')?.enabled).toBe(false);
    expect(entry('suspendAll')?.enabled).toBe(false);
    expect(entry('open')?.enabled).toBe(true);
  }, 30_000);

  it('a watched relay that stops answering is told after the grace period, and again when it answers', async () => {
    const sink = await sinkFor();
    const svc = await relayWith(sink, { host: '127.0.0.1', port: 0 });
    const port = Number(new URL(svc.relay.controlUrl!).port);
    const { dir, remove } = await tempDir('rw-watch-desk-');
    cleanups.push(remove);
    const { set, notifier, tray } = await desktop(dir);
    const token = (await readFile(join(svc.dir, 'control.token'), 'utf8')).trim();
    const info = await set.watch({ url: svc.relay.controlUrl!, token }, { name: 'Service', kind: 'service' });
    await until(() => set.get(info.id)!.conn.state.kind === 'connected', 'connected to the service');

    await svc.relay.stop('test: the service stops');
    await tray.waitForIcon('alert', 5000);
    // graceSeconds is 1 here; the reason is the real one, in words.
    await notifier.waitFor(1, 10_000);
    expect(notifier.notices[0]).toMatchObject({ title: "Relay 'Service' cannot be reached", body: expect.stringMatching(/^No answer for \d+s: .+\. Its hosts and queue are not shown until it answers; Relaywatch keeps trying\.$/) });

    // The service starts again on its port and data dir (its token kept): the reconnect finds it.
    const again = await startTestRelay(
      testConfig({ control: { host: '127.0.0.1', port }, routes: [{ domain: 'corp.test', destinations: [{ host: '127.0.0.1', port: sink.port, tls: 'none' }] }] }),
      svc.dir,
    );
    cleanups.push(() => again.stop('test done'));
    await notifier.waitFor(2, 40_000);
    expect(notifier.notices[1]).toMatchObject({ title: "Relay 'Service' answers again", body: expect.stringMatching(/^Out of reach for \d+s\. /) });
    expect(set.get(info.id)!.conn.state.kind).toBe('connected');
    expect(notifier.notices).toHaveLength(2);
  }, 60_000);

  it('a wrong certificate fingerprint is refused in words, and not one byte of the request (the token) reached the server', async () => {
    const { key, cert } = await selfSignedCert();
    let appBytes = 0;
    let connections = 0;
    const server: TlsServer = createTlsServer({ key, cert }, (socket) => {
      socket.on('data', (d: Buffer) => void (appBytes += d.length));
      socket.on('error', () => undefined);
    });
    server.on('connection', () => void connections++);
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as { port: number }).port;
    const code = encodePairingCode({ url: `https://127.0.0.2:${port}/`, token: 'rwt.abcdef12.' + 'x'.repeat(40), fingerprint256: Array(32).fill('AB').join(':') });

    const { dir, remove } = await tempDir('rw-watch-');
    cleanups.push(remove);
    const { set, settings } = await desktop(dir);
    const e = (await set.watchCode(code, 'Impostor').catch((x: unknown) => x)) as Error & { code?: string };
    expect(e.code).toBe('ETLS');
    expect(e.message).toContain("the relay's certificate is not the one paired with");
    expect(e.message).toContain('nothing was sent');
    // It did connect (the refusal is the pin's, after the handshake), yet no application data came.
    expect(connections).toBeGreaterThan(0);
    expect(appBytes).toBe(0);
    expect(set.list()).toEqual([]);
    expect(settings.relays).toEqual([]);
  });

  it('plain http only to loopback; a watch without a keychain lasts this run only and is not saved', async () => {
    const { dir, remove } = await tempDir('rw-watch-');
    cleanups.push(remove);
    const settings = new DesktopSettingsStore(dir, new MemoryShellLog());
    await settings.load();
    const set = await RelaySet.start({ tray: new FakeTray(), window: new FakeWindow(), notifier: new FakeNotifier(), app: new FakeApp(), log: new MemoryShellLog(), settings, cipher: undefined });
    cleanups.push(() => set.stop());
    await expect(set.watch({ url: 'http://192.0.2.1:8025/', token: 'x'.repeat(30) })).rejects.toThrow(/127\.0\.0\.1/);
    await expect(set.watch({ url: 'https://192.0.2.1:8025/', token: 'x'.repeat(30) })).rejects.toThrow(/fingerprint/);

    const sink = await sinkFor();
    const svc = await relayWith(sink, { host: '127.0.0.1', port: 0 });
    const token = (await readFile(join(svc.dir, 'control.token'), 'utf8')).trim();
    const info = await set.watch({ url: svc.relay.controlUrl!, token }, { name: 'Service', kind: 'service' });
    expect(info).toMatchObject({ name: 'Service', kind: 'service', persisted: false });
    await until(() => set.get(info.id)!.conn.state.kind === 'connected', 'connected to the local service');
    expect((await set.get(info.id)!.conn.control.status()).hostname).toBe('relay.test');
    expect(settings.relays).toEqual([]);

    // The window's control calls go to the selected relay; with none, they say so.
    const ipc = new FakeIpc();
    const pick: { id?: string } = {};
    registerIpcHandlers({ ipc, control: undefined as never, hub: undefined as never, target: () => (pick.id ? set.get(pick.id)?.conn : undefined), isTrusted: () => true, settings, onSettingsSaved: () => undefined, log: new MemoryShellLog() });
    expect(await ipc.invoke(controlChannel('status'), new FakeSender(1))).toMatchObject({ ok: false, error: { code: 'ENOTFOUND', message: expect.stringContaining('Watch a relay') } });
    pick.id = info.id;
    expect(await ipc.invoke(controlChannel('status'), new FakeSender(1))).toMatchObject({ ok: true, value: { hostname: 'relay.test' } });
    // A refusal by the watched relay keeps its code (not "internal error").
    expect(await ipc.invoke(controlChannel('hoststatus'), new FakeSender(1), { host: 'nowhere.test:25' })).toMatchObject({ ok: false, error: { code: 'ENOTFOUND' } });
  });
});
