/**
 * service-command: `relaywatch service install|uninstall|status [--config F]
 * [--data-dir D] [--user] [--dry-run] [--json]`. Builds the plan from the platform
 * table (service-spec.ts), prints it exactly (--dry-run: nothing written or run)
 * or carries it out; status shows the manager's state, never a secret.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, posix, resolve, win32 } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RelayError } from '../../core/errors/relay-error.js';
import { findLocalRelay, STOP_DEADLINE_MS } from '../../core/local-relay.js';
import type { CliIo } from '../run-command.js';
import { platformEntry, winswExecutable, type PlatformEntry, type RunStep, type ServicePlatform, type ServiceScope, type ServiceSpec } from './service-spec.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Everything that differs between machines, injectable so tests can render every platform. */
export interface ServiceHost {
  platform: ServicePlatform;
  env: NodeJS.ProcessEnv;
  home: string;
  uid: number | undefined;
  /** node itself. */
  nodePath: string;
  /** The built CLI (dist/cli/relaywatch.js) the service runs. */
  cliScript: string;
  /** systemd is PID 1 here (sd_booted(3): /run/systemd/system exists). */
  systemdRunning: () => boolean;
  exists: (path: string) => boolean;
  exec: (argv: string[]) => Promise<ExecResult>;
  writeFile: (path: string, content: string, mode: number) => Promise<void>;
  mkdir: (path: string) => Promise<void>;
  readFile: (path: string) => Promise<string | undefined>;
  /** The PID of a relay already running on `dataDir`, if any. */
  relayRunning: (dataDir: string) => Promise<number | undefined>;
}

/**
 * Stop timeout: the relay's own stop deadline plus room for closing the
 * listeners, flushing the queue index and the log (seconds, rounded up).
 */
export const STOP_TIMEOUT_SECONDS = Math.ceil(STOP_DEADLINE_MS / 1000) + 20;

const USAGE = `Usage:
  relaywatch service install [--config FILE] [--data-dir DIR] [--user] [--dry-run]
  relaywatch service uninstall [--user] [--dry-run]
  relaywatch service status [--user] [--json]

Runs the relay as a system service that starts at boot and restarts on
failure: a systemd unit on Linux (system-wide as the account "relaywatch";
--user: a user unit), a launchd daemon on macOS (--user: an agent), a WinSW
service on Windows. --dry-run prints every file and command and changes nothing.
Secrets (passEnv) go in the environment file named in the unit, never in it.
`;

const argsError = (message: string): RelayError => new RelayError({ code: 'EARGS', message, temporary: false });

export async function runServiceCommand(argv: readonly string[], io: CliIo, host: ServiceHost = realHost(io.env ?? process.env)): Promise<number> {
  try {
    const [verb, ...rest] = argv;
    if (verb === undefined || verb === '--help' || verb === '-h') {
      io.stdout(USAGE);
      return verb === undefined ? 2 : 0;
    }
    if (verb !== 'install' && verb !== 'uninstall' && verb !== 'status') throw argsError(`service: unknown subcommand "${verb.slice(0, 60)}" (one of: install, uninstall, status)`);
    const { values, positionals } = parseArgs({
      args: [...rest],
      options: {
        config: { type: 'string' },
        'data-dir': { type: 'string' },
        user: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length) throw argsError(`service ${verb}: unexpected argument "${positionals[0]!.slice(0, 60)}"`);
    if (verb !== 'install' && (values.config !== undefined || values['data-dir'] !== undefined)) throw argsError(`service ${verb}: --config and --data-dir are for service install`);
    if (verb === 'status' && values['dry-run']) throw argsError('service status: --dry-run is for install and uninstall (status changes nothing)');
    const scope: ServiceScope = values.user ? 'user' : 'system';
    if (scope === 'user' && host.platform === 'win32') throw argsError('service --user: a Windows service is machine-wide; run without --user');
    const entry = platformEntry(host.platform, scope, host.env, host.uid);
    const file = entry.file(host.home);
    if (verb === 'status') return await status(entry, file, host, io, values.json === true);

    const steps: Step[] =
      verb === 'install' ? installSteps(entry, file, buildSpec(host, scope, entry, values.config, values['data-dir'])) : (entry.uninstall(file) as Step[]);
    if (values['dry-run']) {
      io.stdout(printPlan(verb, host.platform, scope, steps, host));
      return 0;
    }
    await preflight(verb, entry, scope, host);
    // One relay per data dir: the service would only fail to lock it, and restart, and fail.
    const pid = verb === 'install' ? await host.relayRunning(buildSpec(host, scope, entry, values.config, values['data-dir']).dataDir) : undefined;
    if (pid !== undefined) throw argsError(`service install: a relay already runs on that data dir (PID ${pid}); stop it (the desktop app, or relaywatch serve) first, then install`);
    for (const step of steps) await carryOut(step, host);
    io.stdout(verb === 'install' ? `relaywatch: installed and started ${entry.name} (${entry.manager}); see it with: relaywatch service status${scope === 'user' ? ' --user' : ''}\n` : `relaywatch: stopped and removed ${entry.name} (${entry.manager}); the data dir is left as it is\n`);
    return 0;
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    io.stderr(`relaywatch: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    if (e instanceof RelayError) return e.code === 'EARGS' ? 2 : 1;
    if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) return 2;
    return 1;
  }
}

type Step = Exclude<RunStep, { writeServiceFile: true }> | { write: string; content: string; mode: number };

function buildSpec(host: ServiceHost, scope: ServiceScope, entry: PlatformEntry, config: string | undefined, dataDir: string | undefined): ServiceSpec {
  const path = host.platform === 'win32' ? win32 : posix;
  const abs = (p: string): string => (path.isAbsolute(p) ? path.normalize(p) : path.resolve(p));
  const dir = abs(dataDir ?? entry.defaultDataDir(host.home, host.env));
  // Unit files and plists are line- and space-separated: a path with a line
  // break could add directives; whitespace would need quoting systemd's
  // ReadWritePaths does not do the same way everywhere.
  for (const [flag, p] of [['--data-dir', dir], ['--config', config]] as const) {
    if (p !== undefined && /[\u0000-\u001f\u007f]/.test(p)) throw argsError(`${flag}: must not contain control characters`);
    if (p !== undefined && host.platform === 'linux' && /\s/.test(p)) throw argsError(`${flag}: a path for a systemd service must not contain spaces`);
  }
  const configFile = config === undefined ? undefined : abs(config);
  const command = [host.nodePath, host.cliScript, 'serve', ...(configFile ? ['--config', configFile] : []), '--data-dir', dir];
  const envFile = scope === 'system' ? '/etc/relaywatch/relaywatch.env' : '%h/.config/relaywatch/relaywatch.env';
  const logDir = host.platform === 'win32' ? path.join(path.dirname(entry.file(host.home)), 'logs') : host.platform === 'darwin' ? path.join(dir, 'logs') : dir;
  return {
    platform: host.platform,
    scope,
    command,
    dataDir: dir,
    configFile,
    account: host.platform === 'darwin' ? '_relaywatch' : 'relaywatch',
    environmentFile: envFile,
    stopTimeoutSeconds: STOP_TIMEOUT_SECONDS,
    logDir,
  };
}

function installSteps(entry: PlatformEntry, file: string, spec: ServiceSpec): Step[] {
  return entry.install(spec, file).map((s) => ('writeServiceFile' in s ? { write: file, content: entry.render(spec), mode: entry.fileMode } : s));
}

/** What --dry-run prints: each file whole, each command as a shell line. */
export function printPlan(verb: string, platform: ServicePlatform, scope: ServiceScope, steps: readonly Step[], host: ServiceHost): string {
  const out = [`# relaywatch service ${verb} --dry-run (${platform}, ${scope}): nothing is written or run.`];
  if (verb === 'install' && !host.exists(host.cliScript)) out.push(`# note: ${host.cliScript} does not exist yet; build it first (npm run build)`);
  if (verb === 'install' && platform === 'win32') out.push(`# note: WinSW is not shipped with Relaywatch: put WinSW-x64.exe (v2.12, https://github.com/winsw/winsw/releases) at ${winswExecutable(host.env)}`);
  for (const s of steps) {
    if ('write' in s) out.push(`--- write ${s.write} (mode ${s.mode.toString(8).padStart(4, '0')})`, s.content.replace(/\n$/, ''), '--- end');
    else if ('mkdir' in s) out.push(`--- mkdir ${s.mkdir}`);
    else out.push(`--- run ${s.unless ? `${shellLine(s.unless)} >/dev/null 2>&1 || ` : ''}${shellLine(s.run)}`);
  }
  return `${out.join('\n')}\n`;
}

const shellLine = (argv: readonly string[]): string => argv.map((a) => (/^[A-Za-z0-9_@%+=:,./\\-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

async function preflight(verb: string, entry: PlatformEntry, scope: ServiceScope, host: ServiceHost): Promise<void> {
  if (host.platform === 'linux' && !host.systemdRunning()) {
    throw new RelayError({
      code: 'ECONFIG',
      message: `service ${verb}: systemd is not running on this machine (no /run/systemd/system), so there is no service manager to ${verb === 'install' ? 'install into' : 'remove from'}; see the unit with --dry-run and run \`relaywatch serve\` under this machine's own init system`,
      temporary: false,
    });
  }
  if (scope === 'system' && host.platform !== 'win32' && host.uid !== 0) {
    throw argsError(`service ${verb}: a system service needs root (run it with sudo), or use --user for a service of your own account`);
  }
  if (verb !== 'install') return;
  if (!host.exists(host.cliScript)) throw argsError(`service install: ${host.cliScript} does not exist; build Relaywatch first (npm run build)`);
  if (host.platform === 'win32' && !host.exists(winswExecutable(host.env))) {
    throw argsError(`service install: WinSW is not at ${winswExecutable(host.env)}; download WinSW-x64.exe (v2.12) from https://github.com/winsw/winsw/releases and save it under that name`);
  }
  // macOS has no one-line, version-stable way to make a role account: the admin makes it once.
  if (entry.needsAccount && (await host.exec(['id', '-u', '_relaywatch'])).code !== 0) {
    throw argsError('service install: the account _relaywatch does not exist; create it first (System Settings, or dscl as in the README "Run it as a service"), then run this again');
  }
}

async function carryOut(step: Step, host: ServiceHost): Promise<void> {
  if ('write' in step) {
    await host.mkdir(dirname(step.write));
    return host.writeFile(step.write, step.content, step.mode);
  }
  if ('mkdir' in step) return host.mkdir(step.mkdir);
  if (step.unless && (await host.exec(step.unless)).code === 0) return;
  const r = await host.exec(step.run);
  if (r.code !== 0) {
    throw new RelayError({ code: 'ECONFIG', message: `service: \`${shellLine(step.run)}\` failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n')[0]?.slice(0, 200) ?? ''}`, temporary: false });
  }
}

/** The manager's view, whitelisted: state, PID, the unit file and the data dir it names. Never the token or the environment. */
async function status(entry: PlatformEntry, file: string, host: ServiceHost, io: CliIo, json: boolean): Promise<number> {
  const installed = await host.readFile(file);
  const doc: Record<string, string | number | boolean | null> = {
    service: entry.name,
    manager: entry.manager,
    file,
    installed: installed !== undefined,
    dataDir: installed === undefined ? null : (optionIn(installed, '--data-dir') ?? null),
    config: installed === undefined ? null : (optionIn(installed, '--config') ?? null),
    state: 'not installed',
    pid: null,
  };
  if (host.platform === 'linux' && !host.systemdRunning()) doc.state = 'unknown (systemd is not running on this machine)';
  else if (installed !== undefined || host.platform !== 'win32') {
    const r = await host.exec(entry.status(file)).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
    Object.assign(doc, parseState(host.platform, r, installed !== undefined));
  }
  if (json) io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
  else io.stdout(Object.entries(doc).map(([k, v]) => `${k}: ${v ?? '-'}\n`).join(''));
  return 0;
}

function parseState(platform: ServicePlatform, r: ExecResult, installed: boolean): { state: string; pid: number | null } {
  if (platform === 'linux') {
    const p = Object.fromEntries(r.stdout.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    if (p.LoadState === 'not-found' || (!installed && r.code !== 0)) return { state: 'not installed', pid: null };
    const pid = Number(p.MainPID);
    return { state: `${p.ActiveState ?? 'unknown'} (${p.SubState ?? '?'}), ${p.UnitFileState ?? '?'} at boot`, pid: pid > 0 ? pid : null };
  }
  if (platform === 'darwin') {
    if (r.code !== 0) return { state: installed ? 'installed, not loaded' : 'not installed', pid: null };
    const state = /^\s*state = (.+)$/m.exec(r.stdout)?.[1] ?? 'unknown';
    const pid = Number(/^\s*pid = (\d+)$/m.exec(r.stdout)?.[1] ?? 0);
    return { state, pid: pid > 0 ? pid : null };
  }
  const word = r.stdout.trim().split('\n').pop()?.trim() ?? '';
  return { state: word === 'NonExistent' ? 'not installed' : word || 'unknown', pid: null };
}

/** The value after `flag` on the file's command line (unit, plist or WinSW XML alike). */
function optionIn(text: string, flag: string): string | undefined {
  const m = new RegExp(`${flag}(?:</string>\\s*<string>|\\s+)"?([^"<\\s]+)`).exec(text);
  return m?.[1]?.replace(/%%/g, '%');
}

/** This machine. */
export function realHost(env: NodeJS.ProcessEnv): ServiceHost {
  const platform: ServicePlatform = process.platform === 'win32' ? 'win32' : process.platform === 'darwin' ? 'darwin' : 'linux';
  return {
    platform,
    env,
    home: homedir(),
    uid: process.getuid?.(),
    nodePath: process.execPath,
    cliScript: builtCli(),
    systemdRunning: () => existsSync('/run/systemd/system'),
    exists: existsSync,
    exec: (argv) =>
      new Promise((res) => {
        execFile(argv[0]!, argv.slice(1), { timeout: 60_000 }, (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
          res({ code, stdout: String(stdout), stderr: err && code === 127 ? err.message : String(stderr) });
        });
      }),
    async writeFile(path, content, mode) {
      // temp + rename: a service manager never reads half a file.
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, content, { mode });
      await rename(tmp, path).catch(async (e: unknown) => {
        await rm(tmp, { force: true });
        throw e;
      });
    },
    mkdir: async (p) => void (await mkdir(p, { recursive: true })),
    readFile: (p) => readFile(p, 'utf8').catch(() => undefined),
    relayRunning: (dir) => findLocalRelay(dir).then((r) => r?.pid, () => undefined),
  };
}

/** dist/cli/relaywatch.js of this package, from cli/service/ (tsx) or dist/cli/service/ alike. */
function builtCli(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'cli', 'relaywatch.js');
    dir = dirname(dir);
  }
  return resolve('dist', 'cli', 'relaywatch.js');
}
