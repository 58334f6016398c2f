/**
 * "Run the relay as a service" with the real ports: the desktop's in-process
 * relay, a real `relaywatch serve` child on the same data dir standing in for
 * what systemd would start (the install command line is the platform table's),
 * the token minted in the data dir, relay.json and the data dir lock. Mail
 * queued before the handover is delivered once, by the service; the app never
 * runs a second relay on the data dir; a failed install puts the app's own
 * relay back; the way back runs the relay in the app again.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataDirInUse } from '../../core/local-relay.js';
import { loadConfig } from '../../core/config/load-config.js';
import { startRelay, type Relay } from '../../core/relay.js';
import { DesktopSettingsStore } from '../../electron/desktop-settings.js';
import { RelaySet } from '../../electron/relay-set.js';
import { handOverToService, takeBackFromService } from '../../electron/service-handover/handover.js';
import { SERVICE_COMMANDS, servicePorts, type CommandLine } from '../../electron/service-handover/service-ports.js';
import { FakeApp, FakeNotifier, FakeTray, FakeWindow, MemoryShellLog } from '../helpers/fake-electron.js';
import { fakeKeychain } from '../helpers/fake-keychain.js';
import { startRelayProcess, writeConfig, type RelayProcess } from '../helpers/relay-process.js';
import { sendMail } from '../helpers/send-mail.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';
import { until } from '../helpers/until.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function office() {
  const { dir, remove } = await tempDir('rw-handover-');
  cleanups.push(remove);
  const sink: SmtpSink = await startSmtpSink();
  cleanups.push(() => sink.stop());
  // Exchange is down while the mail is queued.
  await sink.stop();
  const configFile = await writeConfig(
    dir,
    testConfig({
      routes: [{ domain: 'corp.test', destinations: [{ host: '127.0.0.1', port: sink.port, priority: 10, tls: 'none' }] }],
      bounceProfiles: { default: { initialRetrySeconds: 3600, maxRetrySeconds: 3600 } },
    }),
  );
  const dataDir = join(dir, 'data');
  let local: Relay | undefined;
  const startLocal = async () => {
    local = await startRelay({ config: await loadConfig(configFile), configFile, dataDir, flushIntervalMs: 50 });
    return local;
  };
  await startLocal();
  cleanups.push(() => local?.stop('test done'));
  const settings = new DesktopSettingsStore(dataDir, new MemoryShellLog());
  await settings.load();
  const set = await RelaySet.start(
    { tray: new FakeTray(), window: new FakeWindow(), notifier: new FakeNotifier(), app: new FakeApp(), log: new MemoryShellLog(), settings, cipher: fakeKeychain(), refreshMinIntervalMs: 50 },
    { control: local!.control, hub: local!.hub },
  );
  cleanups.push(() => set.stop());

  // What systemd would run: `relaywatch serve` on the same config and data dir.
  let service: RelayProcess | undefined;
  const ran: CommandLine[] = [];
  let failInstall: string | undefined;
  const run = async (c: CommandLine): Promise<void> => {
    ran.push(c);
    if (c.args.includes('install')) {
      if (failInstall) throw new Error(failInstall);
      service = await startRelayProcess(configFile, dataDir);
      cleanups.push(() => {
        service?.child.kill('SIGTERM');
        return service?.exited;
      });
    } else {
      service?.child.kill('SIGTERM');
      await service?.exited;
      service = undefined;
    }
  };
  const ports = servicePorts({
    relays: set,
    settings,
    dataDir,
    configFile,
    cli: ['relaywatch'],
    platform: 'linux',
    run,
    stopLocal: async () => {
      await local?.stop('handed over to the service');
      local = undefined;
    },
    startLocal,
  });
  return { sink, dataDir, configFile, settings, set, ports, ran, local: () => local, service: () => service, failInstall: (why: string) => (failInstall = why) };
}

describe('desktop: run the relay as a service', () => {
  it('hands the queued mail over to the service, which delivers it once; the app then only watches; and back', async () => {
    const o = await office();
    await sendMail(o.local()!.smtp.port, { from: 'scanner@office.test', to: ['alice@corp.test'] });
    expect((await o.local()!.control.status()).queue.recipients).toBe(1);
    const localBefore = o.local()!;

    const steps: string[] = [];
    const r = await handOverToService(o.ports, { waitMs: 30_000, pollMs: 100, onStep: (s) => steps.push(s) });
    expect(r).toMatchObject({ ok: true });
    expect([...new Set(steps)]).toEqual(['mint-token', 'stop-local', 'install', 'wait-service', 'watch', 'persist']);
    // The platform table's command line (a user service on Linux, the app's config and data dir).
    expect(o.ran[0]).toEqual(SERVICE_COMMANDS.linux(['relaywatch'], 'install', o.configFile, o.dataDir));
    expect(o.ran[0]!.args).toEqual(['service', 'install', '--user', '--config', o.configFile, '--data-dir', o.dataDir]);
    // Never two: the app's relay was stopped (its listener closed) before the service took the data dir, which it now holds.
    expect(o.local()).toBeUndefined();
    await expect(sendMail(localBefore.smtp.port, { from: 'a@office.test', to: ['b@corp.test'] })).rejects.toThrow();
    expect(await dataDirInUse(o.dataDir)).toBe(true);
    // The app watches the service, not a relay of its own.
    const list = o.set.list();
    expect(list.map((x) => x.kind)).toEqual(['service']);
    const watched = o.set.get(list[0]!.id)!.conn;
    expect((await watched.control.status()).queue.recipients).toBe(1);
    expect(JSON.parse(await readFile(join(o.dataDir, 'desktop.json'), 'utf8'))).toMatchObject({ relay: { mode: 'service' } });

    // Exchange comes back: the service delivers the message, exactly once.
    await o.sink.start();
    await watched.control.retryall();
    await o.sink.waitForMessages(1, 15_000);
    await until(async () => (await watched.control.status()).queue.recipients === 0, 'the service to finish the message', 10_000);
    expect(o.sink.messages).toHaveLength(1);

    // And back: the service removed, the app runs its own relay on the data dir again.
    const back = await takeBackFromService(o.ports, { waitMs: 30_000, pollMs: 100 });
    expect(back).toMatchObject({ ok: true });
    expect(o.ran.at(-1)!.args).toEqual(['service', 'uninstall', '--user']);
    expect(o.service()).toBeUndefined();
    expect(o.local()).toBeDefined();
    expect(o.set.list().map((x) => x.kind)).toEqual(['local']);
    expect((await o.local()!.control.status()).queue.recipients).toBe(0);
    expect(o.settings.current.relay.mode).toBe('in-app');
    expect(o.sink.messages).toHaveLength(1);
  }, 90_000);

  it('a failed install puts the app\u2019s own relay back, with the failure in words, and the mail still queued', async () => {
    const o = await office();
    await sendMail(o.local()!.smtp.port, { from: 'scanner@office.test', to: ['bob@corp.test'] });
    o.failInstall('pkexec: Request dismissed');
    const r = await handOverToService(o.ports, { waitMs: 5_000, pollMs: 100 });
    expect(r).toEqual({ ok: false, step: 'install', message: 'Installing the service failed: pkexec: Request dismissed', rolledBack: true });
    expect(o.local()).toBeDefined();
    expect(o.set.list().map((x) => x.kind)).toEqual(['local']);
    expect((await o.local()!.control.status()).queue.recipients).toBe(1);
    expect(o.settings.current.relay.mode).toBe('in-app');
  }, 60_000);
});

describe('SERVICE_COMMANDS', () => {
  it('Windows asks for elevation through Start-Process -Verb RunAs and passes the exit code back, quoting paths', () => {
    const c = SERVICE_COMMANDS.win32(['C:\\Program Files\\relaywatch\\relaywatch.cmd'], 'install', "C:\\Users\\O'Brien\\relaywatch.json", 'C:\\ProgramData\\Relaywatch');
    expect(c.file).toBe('powershell.exe');
    expect(c.args.at(-1)).toBe(
      "$p = Start-Process -FilePath 'C:\\Program Files\\relaywatch\\relaywatch.cmd' -ArgumentList 'service','install','--config','C:\\Users\\O''Brien\\relaywatch.json','--data-dir','C:\\ProgramData\\Relaywatch' -Verb RunAs -Wait -PassThru; exit $p.ExitCode",
    );
  });
});
