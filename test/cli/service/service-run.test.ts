/**
 * `relaywatch service install|uninstall|status` carried out (not --dry-run)
 * against an injected host: the steps in order, the file written, the clear
 * refusals (no systemd, not root), and a status that shows state, never secrets.
 * Plus the real command line on this machine, which has no systemd as PID 1.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runServiceCommand, type ExecResult, type ServiceHost } from '../../../cli/service/service-command.js';
import { runCli } from '../../helpers/relay-process.js';
import { dryHost } from './service-hosts.js';

const TOKEN = 'tOkEn-0123456789abcdefghijklmnopqrstuvwxyzABCD';

function liveHost(over: Partial<ServiceHost> = {}, answer: (argv: string[]) => ExecResult = () => ({ code: 0, stdout: '', stderr: '' })) {
  const log: string[] = [];
  const files = new Map<string, string>();
  const host: ServiceHost = {
    ...dryHost('linux'),
    uid: 0,
    exec: async (argv) => {
      log.push(`exec ${argv.join(' ')}`);
      return answer(argv);
    },
    writeFile: async (p, content, mode) => {
      log.push(`write ${p} ${mode.toString(8)}`);
      files.set(p, content);
    },
    mkdir: async (p) => void log.push(`mkdir ${p}`),
    readFile: async (p) => files.get(p),
    ...over,
  };
  return { host, log, files };
}

async function run(argv: string[], host: ServiceHost): Promise<{ code: number; out: string; err: string }> {
  const r = { code: 0, out: '', err: '' };
  r.code = await runServiceCommand(argv, { stdout: (t) => void (r.out += t), stderr: (t) => void (r.err += t) }, host);
  return r;
}

describe('service install / uninstall / status', () => {
  it('install runs the plan in order: account (skipped when it exists), data dir, unit file, reload, enable', async () => {
    const { host, log, files } = liveHost({}, (argv) => ({ code: argv[0] === 'id' ? 0 : 0, stdout: '', stderr: '' }));
    const r = await run(['install', '--data-dir', '/var/lib/rw'], host);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(log).toEqual([
      'exec id -u relaywatch',
      'exec install -d -m 0700 -o relaywatch -g relaywatch /var/lib/rw',
      'mkdir /etc/systemd/system',
      'write /etc/systemd/system/relaywatch.service 644',
      'exec systemctl daemon-reload',
      'exec systemctl enable --now relaywatch.service',
    ]);
    expect(files.get('/etc/systemd/system/relaywatch.service')).toContain('ReadWritePaths=/var/lib/rw');
  });

  it('creates the account when id -u fails, and stops at the first command that fails, naming it', async () => {
    const { host, log } = liveHost({}, (argv) => (argv[0] === 'id' ? { code: 1, stdout: '', stderr: 'no such user' } : argv[1] === 'daemon-reload' ? { code: 1, stdout: '', stderr: 'Access denied\nmore' } : { code: 0, stdout: '', stderr: '' }));
    const r = await run(['install'], host);
    expect(log[1]).toMatch(/^exec useradd --system .* relaywatch$/);
    expect(r.code).toBe(1);
    expect(r.err).toBe('relaywatch: service: `systemctl daemon-reload` failed (exit 1): Access denied\n');
    expect(log.some((l) => l.includes('enable'))).toBe(false);
  });

  it('on Linux without systemd: a clear message, exit 1, nothing written or run', async () => {
    const { host, log } = liveHost({ systemdRunning: () => false });
    for (const verb of ['install', 'uninstall']) {
      const r = await run([verb], host);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^relaywatch: service \w+: systemd is not running on this machine \(no \/run\/systemd\/system\)/);
    }
    expect(log).toEqual([]);
  });

  it('a system service needs root; the built CLI must exist; WinSW must be in place on Windows', async () => {
    const notRoot = liveHost({ uid: 1000 });
    expect((await run(['install'], notRoot.host)).err).toMatch(/needs root \(run it with sudo\), or use --user/);
    const unbuilt = liveHost({ exists: () => false });
    expect((await run(['install'], unbuilt.host)).err).toMatch(/dist\/cli\/relaywatch\.js does not exist; build Relaywatch first/);
    const win = liveHost({ platform: 'win32', exists: (p) => !p.endsWith('.exe') });
    const r = await run(['install'], win.host);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/WinSW is not at C:\\ProgramData\\Relaywatch\\service\\relaywatch-service\.exe/);
    expect([...notRoot.log, ...unbuilt.log, ...win.log]).toEqual([]);
  });

  it('refuses to install on a data dir a relay already runs on (one relay per data dir), before changing anything', async () => {
    const { host, log } = liveHost({ relayRunning: async (dir) => (dir === '/var/lib/rw' ? 777 : undefined) });
    const r = await run(['install', '--data-dir', '/var/lib/rw'], host);
    expect(r.code).toBe(2);
    expect(r.err).toBe('relaywatch: service install: a relay already runs on that data dir (PID 777); stop it (the desktop app, or relaywatch serve) first, then install\n');
    expect(log).toEqual([]);
  });

  it('status shows the state, PID and the data dir the unit names, and nothing secret', async () => {
    const show = 'LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\nUnitFileState=enabled\nExecMainStatus=0\n';
    const { host, files } = liveHost({ env: { RELAY_PASS: 'Sup3r-Secret-Relay-Pass' } }, (argv) => (argv[0] === 'systemctl' ? { code: 0, stdout: show, stderr: '' } : { code: 0, stdout: '', stderr: '' }));
    expect((await run(['install', '--data-dir', '/var/lib/rw', '--config', '/etc/rw.json'], host)).code).toBe(0);
    // Even if a token had been put in the unit file by hand, status prints only the fields it names.
    files.set('/etc/systemd/system/relaywatch.service', `${files.get('/etc/systemd/system/relaywatch.service')}\n# token ${TOKEN}\nEnvironment=RELAY_PASS=Sup3r-Secret-Relay-Pass\n`);
    const r = await run(['status', '--json'], host);
    expect(JSON.parse(r.out)).toEqual({
      service: 'relaywatch.service',
      manager: 'systemd',
      file: '/etc/systemd/system/relaywatch.service',
      installed: true,
      dataDir: '/var/lib/rw',
      config: '/etc/rw.json',
      state: 'active (running), enabled at boot',
      pid: 4242,
    });
    const text = await run(['status'], host);
    expect(text.out).toContain('state: active (running), enabled at boot\n');
    for (const out of [r.out, text.out]) {
      expect(out).not.toContain(TOKEN);
      expect(out).not.toContain('Sup3r');
    }
  });

  it('status when nothing is installed says so', async () => {
    const { host } = liveHost({}, () => ({ code: 0, stdout: 'LoadState=not-found\nActiveState=inactive\n', stderr: '' }));
    const r = await run(['status', '--json'], host);
    expect(JSON.parse(r.out)).toMatchObject({ installed: false, state: 'not installed', pid: null });
  });

  it('the real command line on this machine', async (ctx) => {
    if (existsSync('/run/systemd/system')) return ctx.skip('needs a machine where systemd is not PID 1 (this one runs systemd: install would be real)');
    const install = await runCli(['service', 'install', '--data-dir', '/tmp/rw-never-created']);
    expect(install.code).toBe(1);
    expect(install.stderr).toMatch(/systemd is not running on this machine/);
    expect(existsSync('/tmp/rw-never-created')).toBe(false);
    const status = await runCli(['service', 'status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('state: unknown (systemd is not running on this machine)');
    const dry = await runCli(['service', 'install', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('--- write /etc/systemd/system/relaywatch.service (mode 0644)');
    const bad = await runCli(['service', 'restart']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('relaywatch: service: unknown subcommand "restart" (one of: install, uninstall, status)\n');
  });
});
