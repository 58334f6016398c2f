/**
 * service-ports: the handover's ports made real. How each platform installs the
 * service from the desktop app (a table), running `relaywatch service install`
 * with the app's config file and data dir; the token minted in the data dir; the
 * service found through the data dir's relay.json and its lock; the relay set.
 */
import { execFile } from 'node:child_process';
import { createControlClient } from '../../core/control/client/client.js';
import { pinnedFetch } from '../../core/control/client/pinned-fetch.js';
import { dataDirInUse, findLocalRelay, TokenStore } from '../../core/local-relay.js';
import type { ControlApi } from '../../common/operations.js';
import type { DesktopSettingsStore } from '../desktop-settings.js';
import type { EventSource } from '../relay-connection.js';
import { LOCAL_RELAY_ID, type RelaySet } from '../relay-set.js';
import type { HandoverPorts } from './handover.js';

export const SERVICE_RELAY_NAME = 'This computer (service)';

/** A command to run: the file and its arguments (never a shell line). */
export interface CommandLine {
  file: string;
  args: string[];
}

/** PowerShell's single-quoted string: only ' needs doubling. */
const psQuote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * Per platform, how the desktop app runs `relaywatch service install|uninstall`.
 * Linux and macOS: the person's own service (`--user`: a systemd user unit with
 * lingering, so it runs from boot without a login; a launchd agent on macOS,
 * which starts at login), in the same account, so the app's data dir stays
 * the service's and needs no password. Windows: a machine-wide service, so
 * the install asks for elevation (UAC) through PowerShell's Start-Process
 * -Verb RunAs, whose exit code is passed back.
 */
export const SERVICE_COMMANDS: Record<'linux' | 'darwin' | 'win32', (cli: readonly string[], verb: 'install' | 'uninstall', configFile: string, dataDir: string) => CommandLine> = {
  linux: (cli, verb, configFile, dataDir) => ({ file: cli[0]!, args: [...cli.slice(1), 'service', verb, '--user', ...(verb === 'install' ? ['--config', configFile, '--data-dir', dataDir] : [])] }),
  darwin: (cli, verb, configFile, dataDir) => ({ file: cli[0]!, args: [...cli.slice(1), 'service', verb, '--user', ...(verb === 'install' ? ['--config', configFile, '--data-dir', dataDir] : [])] }),
  win32: (cli, verb, configFile, dataDir) => {
    const args = [...cli.slice(1), 'service', verb, ...(verb === 'install' ? ['--config', configFile, '--data-dir', dataDir] : [])];
    // ArgumentList as an array: PowerShell quotes each element that needs it.
    const list = args.map(psQuote).join(',');
    return {
      file: 'powershell.exe',
      args: ['-NoProfile', '-NonInteractive', '-Command', `$p = Start-Process -FilePath ${psQuote(cli[0]!)} -ArgumentList ${list} -Verb RunAs -Wait -PassThru; exit $p.ExitCode`],
    };
  },
};

/** Runs a command line; rejects with its own words (the last lines it printed) when it fails. */
export function runCommandLine(c: CommandLine, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(c.file, c.args, { env, timeout: 120_000, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const words = String(stderr).trim().split('\n').slice(-3).join(' ').trim();
      const notFound = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new Error(notFound ? `${c.file} was not found: install the relaywatch command (npm install -g relaywatch) so the service has a program to run` : words || err.message));
    });
  });
}

export interface ServicePortsDeps {
  relays: RelaySet;
  settings: Pick<DesktopSettingsStore, 'current' | 'save'>;
  dataDir: string;
  configFile: string;
  /** The relaywatch command: ['relaywatch'] from PATH in the app; tests pass node and the script. */
  cli: readonly string[];
  platform?: NodeJS.Platform;
  /** Runs a command line (install, uninstall); the default executes it. */
  run?: (c: CommandLine) => Promise<void>;
  /** The in-process relay: stopped before the service starts, started again on the way back. */
  stopLocal(): Promise<void>;
  startLocal(): Promise<{ control: ControlApi; hub: EventSource }>;
}

export function servicePorts(d: ServicePortsDeps): HandoverPorts {
  const platform = d.platform ?? process.platform;
  const table = SERVICE_COMMANDS[platform as keyof typeof SERVICE_COMMANDS];
  const run = d.run ?? runCommandLine;
  const command = (verb: 'install' | 'uninstall'): CommandLine => {
    if (!table) throw new Error(`no service manager known for ${platform}`);
    return table(d.cli, verb, d.configFile, d.dataDir);
  };
  let token: string | undefined;
  return {
    async mintToken() {
      token = (await new TokenStore(d.dataDir).create({ readOnly: false })).token;
      return token;
    },
    async stopLocalRelay() {
      if (d.relays.get(LOCAL_RELAY_ID)) await d.relays.unwatch(LOCAL_RELAY_ID);
      await d.stopLocal();
    },
    async startLocalRelay() {
      await d.relays.addLocal(await d.startLocal());
    },
    installService: () => run(command('install')),
    uninstallService: () => run(command('uninstall')),
    async probeService() {
      const found = await findLocalRelay(d.dataDir);
      if (!found || !token) return undefined;
      const client = createControlClient({ baseUrl: found.baseUrl, token, ...(found.fingerprint256 ? { fetch: pinnedFetch(found.fingerprint256) } : {}) });
      await client.api.status();
      return found.baseUrl;
    },
    lockFree: async () => !(await dataDirInUse(d.dataDir)),
    async watchService(target) {
      const found = await findLocalRelay(d.dataDir);
      await d.relays.watch({ ...target, ...(found?.fingerprint256 ? { fingerprint256: found.fingerprint256 } : {}) }, { name: SERVICE_RELAY_NAME, kind: 'service' });
    },
    async unwatchService() {
      for (const r of d.relays.list()) if (r.kind === 'service') await d.relays.unwatch(r.id);
    },
    async persistMode(mode) {
      const r = await d.settings.save({ ...d.settings.current, relay: { mode } });
      if (!r.ok) throw new Error(r.error.message);
    },
    delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
