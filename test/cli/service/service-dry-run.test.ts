/**
 * `relaywatch service install|uninstall --dry-run` for every platform (the
 * platform injected): the unit file parsed as INI and checked by
 * `systemd-analyze verify`, the plist by Python's plistlib, WinSW's XML by an
 * XML parser; nothing is written or run, and no secret is in the output.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runServiceCommand, STOP_TIMEOUT_SECONDS, type ServiceHost } from '../../../cli/service/service-command.js';
import { DRY_HOST_SECRET, dryHost } from './service-hosts.js';
import { systemdWord } from '../../../cli/service/systemd-unit.js';
import { STOP_DEADLINE_MS } from '../../../core/local-relay.js';
import { missingCommand } from '../../helpers/requires.js';
import { tempDir } from '../../helpers/temp-dir.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SECRET = DRY_HOST_SECRET;

async function run(argv: string[], host: ServiceHost): Promise<{ code: number; out: string; err: string }> {
  const r = { code: 0, out: '', err: '' };
  r.code = await runServiceCommand(argv, { stdout: (t) => void (r.out += t), stderr: (t) => void (r.err += t) }, host);
  return r;
}

/** The plan's parts: files written (path → content) and command lines run, in order. */
function parsePlan(out: string): { files: Map<string, { mode: string; content: string }>; runs: string[]; order: string[] } {
  const files = new Map<string, { mode: string; content: string }>();
  const runs: string[] = [];
  const order: string[] = [];
  const lines = out.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const w = /^--- write (.+) \(mode (\d{4})\)$/.exec(line);
    if (w) {
      const end = lines.indexOf('--- end', i);
      files.set(w[1]!, { mode: w[2]!, content: `${lines.slice(i + 1, end).join('\n')}\n` });
      order.push(`write ${w[1]}`);
      i = end;
    } else if (line.startsWith('--- run ')) {
      runs.push(line.slice(8));
      order.push(`run ${line.slice(8)}`);
    } else if (line.startsWith('--- mkdir ')) order.push(line.slice(4));
  }
  return { files, runs, order };
}

/** systemd's unit syntax (systemd.syntax(7)): [Section], Key=Value, # and ; comments; keys may repeat. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      current = new Map();
      sections.set(sec[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 1) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return sections;
}

const python = missingCommand('python3', 'Debian package python3: plistlib and xml.etree parse the plist and the WinSW XML');

/** Runs a Python snippet that reads the document on stdin and prints JSON. */
function pythonJson(script: string, input: string): unknown {
  const r = spawnSync('python3', ['-c', script], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe('service install --dry-run', () => {
  it('Linux, system-wide: a hardened unit for a dedicated user that parses, passes systemd-analyze verify, and holds no secret', async (ctx) => {
    const host = dryHost('linux');
    const r = await run(['install', '--dry-run', '--data-dir', '/srv/relay%data', '--config', '/etc/relaywatch/config.json'], host);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(host.calls).toEqual([]);
    const plan = parsePlan(r.out);
    const unitFile = '/etc/systemd/system/relaywatch.service';
    expect([...plan.files.keys()]).toEqual([unitFile]);
    expect(plan.files.get(unitFile)!.mode).toBe('0644');
    // The account and its data dir exist before the unit is loaded; loading comes last.
    expect(plan.order).toEqual([
      'run id -u relaywatch >/dev/null 2>&1 || useradd --system --user-group --home-dir /srv/relay%data --no-create-home --shell /usr/sbin/nologin relaywatch',
      'run install -d -m 0700 -o relaywatch -g relaywatch /srv/relay%data',
      `write ${unitFile}`,
      'run systemctl daemon-reload',
      'run systemctl enable --now relaywatch.service',
    ]);
    const text = plan.files.get(unitFile)!.content;
    const unit = parseUnit(text);
    const svc = unit.get('Service')!;
    const one = (k: string): string | undefined => svc.get(k)?.[0];
    // "%" is a specifier in unit files: doubled, so systemd passes it through.
    expect(one('ExecStart')).toBe(`${process.execPath} /opt/relaywatch/dist/cli/relaywatch.js serve --config /etc/relaywatch/config.json --data-dir /srv/relay%%data`);
    expect(one('User')).toBe('relaywatch');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ReadWritePaths')).toBe('/srv/relay%%data');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('Restart')).toBe('on-failure');
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(Number(one('TimeoutStopSec'))).toBeGreaterThan(STOP_DEADLINE_MS / 1000);
    expect(one('EnvironmentFile')).toBe('-/etc/relaywatch/relaywatch.env');
    expect(unit.get('Install')!.get('WantedBy')).toEqual(['multi-user.target']);
    expect(unit.get('Unit')!.get('After')).toEqual(['network-online.target']);
    expect(r.out).not.toContain(SECRET);

    const note = missingCommand('systemd-analyze', 'Debian package systemd: verifies the unit file');
    if (note) return ctx.skip(note);
    const { dir, remove } = await tempDir('rw-unit-');
    cleanups.push(remove);
    const file = join(dir, 'relaywatch.service');
    await writeFile(file, text);
    const v = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
    // verify exits 0 even for unknown keys and bad values; it names the file in each warning.
    expect(`${v.stdout}${v.stderr}`.split('\n').filter((l) => l.includes(file))).toEqual([]);
    expect(v.status).toBe(0);
  });

  it('systemd-analyze verify does flag a bad unit (the check above can fail)', async (ctx) => {
    const note = missingCommand('systemd-analyze', 'Debian package systemd: verifies the unit file');
    if (note) return ctx.skip(note);
    const { dir, remove } = await tempDir('rw-unit-');
    cleanups.push(remove);
    const file = join(dir, 'relaywatch.service');
    await writeFile(file, `[Service]\nExecStart=${process.execPath}\nProtectSystem=stricter\n`);
    const v = spawnSync('systemd-analyze', ['verify', '--man=no', file], { encoding: 'utf8' });
    expect(`${v.stdout}${v.stderr}`).toContain(`${file}:3`);
  });

  it('Linux --user: a user unit under ~/.config/systemd/user, wanted by default.target, lingering enabled, no User=', async () => {
    const r = await run(['install', '--dry-run', '--user'], dryHost('linux'));
    expect(r.code).toBe(0);
    const plan = parsePlan(r.out);
    const file = '/home/ann/.config/systemd/user/relaywatch.service';
    const unit = parseUnit(plan.files.get(file)!.content);
    expect(unit.get('Service')!.get('User')).toBeUndefined();
    expect(unit.get('Service')!.get('ExecStart')![0]).toContain('--data-dir /home/ann/.local/share/relaywatch');
    expect(unit.get('Service')!.get('EnvironmentFile')).toEqual(['-%h/.config/relaywatch/relaywatch.env']);
    expect(unit.get('Install')!.get('WantedBy')).toEqual(['default.target']);
    expect(plan.runs).toContain('systemctl --user enable --now relaywatch.service');
    expect(plan.runs).toContain('loginctl enable-linger');
  });

  it('macOS: a launchd daemon plist that plistlib reads, with RunAtLoad, KeepAlive and its own account', async (ctx) => {
    if (python) return ctx.skip(python);
    const r = await run(['install', '--dry-run', '--data-dir', '/Library/Application Support/R&W <relay>'], dryHost('darwin'));
    expect(r.code).toBe(0);
    const plan = parsePlan(r.out);
    const file = '/Library/LaunchDaemons/com.relaywatch.relay.plist';
    const doc = pythonJson('import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))', plan.files.get(file)!.content) as Record<string, unknown>;
    expect(doc).toMatchObject({
      Label: 'com.relaywatch.relay',
      ProgramArguments: [process.execPath, '/opt/relaywatch/dist/cli/relaywatch.js', 'serve', '--data-dir', '/Library/Application Support/R&W <relay>'],
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ExitTimeOut: STOP_TIMEOUT_SECONDS,
      UserName: '_relaywatch',
      WorkingDirectory: '/Library/Application Support/R&W <relay>',
    });
    expect(plan.runs.at(-1)).toBe(`launchctl bootstrap system ${file}`);
    expect(r.out).not.toContain(SECRET);
  });

  it('macOS --user: a launch agent in ~/Library/LaunchAgents, loaded into the gui domain', async (ctx) => {
    if (python) return ctx.skip(python);
    const r = await run(['install', '--dry-run', '--user'], dryHost('darwin', { uid: 501 }));
    const plan = parsePlan(r.out);
    const file = '/Users/ann/Library/LaunchAgents/com.relaywatch.relay.plist';
    const doc = pythonJson('import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))', plan.files.get(file)!.content) as Record<string, unknown>;
    expect(doc.UserName).toBeUndefined();
    expect(plan.runs.at(-1)).toBe(`launchctl bootstrap gui/501 ${file}`);
  });

  it('Windows: WinSW XML that parses, with the node command, restart on failure, a stop timeout and LocalService; no --user', async (ctx) => {
    if (python) return ctx.skip(python);
    const host = dryHost('win32');
    const r = await run(['install', '--dry-run'], host);
    expect(r.code).toBe(0);
    expect(r.out).toContain('WinSW is not shipped with Relaywatch');
    const plan = parsePlan(r.out);
    const file = 'C:\\ProgramData\\Relaywatch\\service\\relaywatch-service.xml';
    const script = [
      'import sys,json,xml.etree.ElementTree as ET',
      'r=ET.fromstring(sys.stdin.read())',
      'print(json.dumps({"root":r.tag,"id":r.findtext("id"),"executable":r.findtext("executable"),"arguments":r.findtext("arguments"),',
      '"stoptimeout":r.findtext("stoptimeout"),"onfailure":[e.get("action") for e in r.findall("onfailure")],',
      '"account":r.findtext("serviceaccount/username"),"startmode":r.findtext("startmode")}))',
    ].join('\n');
    expect(pythonJson(script, plan.files.get(file)!.content)).toEqual({
      root: 'service',
      id: 'relaywatch',
      executable: 'C:\\Program Files\\nodejs\\node.exe',
      arguments: '"C:\\Program Files\\Relaywatch\\dist\\cli\\relaywatch.js" serve --data-dir C:\\ProgramData\\Relaywatch\\data',
      stoptimeout: `${STOP_TIMEOUT_SECONDS} sec`,
      onfailure: ['restart', 'restart'],
      account: 'NT AUTHORITY\\LocalService',
      startmode: 'Automatic',
    });
    expect(plan.order.slice(-2)).toEqual(['run C:\\ProgramData\\Relaywatch\\service\\relaywatch-service.exe install', 'run C:\\ProgramData\\Relaywatch\\service\\relaywatch-service.exe start']);
    expect(r.out).not.toContain(SECRET);
    const user = await run(['install', '--dry-run', '--user'], host);
    expect(user.code).toBe(2);
    expect(user.err).toMatch(/machine-wide/);
  });

  it('uninstall --dry-run lists the stop and removal and touches nothing', async () => {
    const host = dryHost('linux');
    const r = await run(['uninstall', '--dry-run'], host);
    expect(r.code).toBe(0);
    expect(host.calls).toEqual([]);
    expect(parsePlan(r.out).runs).toEqual(['systemctl disable --now relaywatch.service', 'rm -f /etc/systemd/system/relaywatch.service', 'systemctl daemon-reload']);
  });

  it('refuses a systemd data dir with a space or a line break (it would split or add directives)', async () => {
    for (const d of ['/srv/my relay', '/srv/x\nExecStartPre=/bin/sh']) {
      const r = await run(['install', '--dry-run', '--data-dir', d], dryHost('linux'));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^relaywatch: --data-dir: /);
    }
  });

  it('quotes ExecStart words as systemd.service(5) says', () => {
    expect(systemdWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(systemdWord('a b')).toBe('"a b"');
    expect(systemdWord('50%$HOME')).toBe('"50%%$$HOME"');
    expect(systemdWord('say "hi"\\')).toBe('"say \\"hi\\"\\\\"');
  });
});
