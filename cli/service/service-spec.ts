/**
 * service-spec: what `relaywatch service` installs, per platform, as data: the
 * file it writes, the commands it runs to install, remove and inspect it, and
 * the defaults (data dir, account). The renderers turn a ServiceSpec into the
 * platform's own format; service-command.ts prints or carries out the plan.
 */
import { posix, win32 } from 'node:path';
import { launchdPlist } from './launchd-plist.js';
import { systemdUnit } from './systemd-unit.js';
import type { ServicePlatform, ServiceScope, ServiceSpec } from './service-types.js';
import { winswXml } from './winsw-xml.js';

export type { ServicePlatform, ServiceScope, ServiceSpec } from './service-types.js';

/**
 * A command to run (`unless`, if given, runs first and a success skips it),
 * a folder to create, or the point at which the service file is written.
 */
export type RunStep = { run: string[]; unless?: string[] } | { mkdir: string } | { writeServiceFile: true };
const WRITE: RunStep = { writeServiceFile: true };

export interface PlatformEntry {
  /** systemd, launchd or WinSW: what the messages call it. */
  manager: string;
  /** The service's name in that manager. */
  name: string;
  file: (home: string) => string;
  fileMode: number;
  render: (s: ServiceSpec) => string;
  defaultDataDir: (home: string, env: NodeJS.ProcessEnv) => string;
  install: (s: ServiceSpec, file: string) => RunStep[];
  uninstall: (file: string) => RunStep[];
  /** A system service's account must exist before install (macOS: created by the admin). */
  needsAccount: boolean;
  status: (file: string) => string[];
}

const UNIT = 'relaywatch.service';
const LABEL = 'com.relaywatch.relay';
const WIN_ID = 'relaywatch';
const programData = (env: NodeJS.ProcessEnv): string => env.ProgramData ?? 'C:\\ProgramData';
const winServiceDir = (env: NodeJS.ProcessEnv): string => win32.join(programData(env), 'Relaywatch', 'service');

/**
 * The platform table. Linux and macOS have a system-wide and a per-user
 * entry; Windows only a system one (a Windows service is machine-wide).
 * Windows runs through WinSW (https://github.com/winsw/winsw, v2.12, its
 * documented XML format): a well-kept service wrapper, so there is no
 * service code of ours; the admin puts WinSW-x64.exe in the service folder.
 */
export function platformEntry(platform: ServicePlatform, scope: ServiceScope, env: NodeJS.ProcessEnv, uid: number | undefined): PlatformEntry {
  if (platform === 'linux' && scope === 'system') {
    return {
      manager: 'systemd',
      name: UNIT,
      file: () => `/etc/systemd/system/${UNIT}`,
      fileMode: 0o644,
      render: systemdUnit,
      defaultDataDir: () => '/var/lib/relaywatch',
      install: (s) => [
        { unless: ['id', '-u', s.account], run: ['useradd', '--system', '--user-group', '--home-dir', s.dataDir, '--no-create-home', '--shell', '/usr/sbin/nologin', s.account] },
        { run: ['install', '-d', '-m', '0700', '-o', s.account, '-g', s.account, s.dataDir] },
        WRITE,
        { run: ['systemctl', 'daemon-reload'] },
        { run: ['systemctl', 'enable', '--now', UNIT] },
      ],
      uninstall: (file) => [{ run: ['systemctl', 'disable', '--now', UNIT] }, { run: ['rm', '-f', file] }, { run: ['systemctl', 'daemon-reload'] }],
      needsAccount: false,
      status: () => ['systemctl', 'show', UNIT, '--property=LoadState,ActiveState,SubState,MainPID,UnitFileState,ExecMainStatus'],
    };
  }
  if (platform === 'linux') {
    return {
      manager: 'systemd (user)',
      name: UNIT,
      file: (home) => posix.join(home, '.config', 'systemd', 'user', UNIT),
      fileMode: 0o644,
      render: systemdUnit,
      defaultDataDir: (home) => posix.join(env.XDG_DATA_HOME || posix.join(home, '.local', 'share'), 'relaywatch'),
      install: (s) => [
        { run: ['install', '-d', '-m', '0700', s.dataDir] },
        WRITE,
        { run: ['systemctl', '--user', 'daemon-reload'] },
        { run: ['systemctl', '--user', 'enable', '--now', UNIT] },
        // Without lingering a user's units stop at logout and wait for a login after a reboot.
        { run: ['loginctl', 'enable-linger'] },
      ],
      uninstall: (file) => [{ run: ['systemctl', '--user', 'disable', '--now', UNIT] }, { run: ['rm', '-f', file] }, { run: ['systemctl', '--user', 'daemon-reload'] }],
      needsAccount: false,
      status: () => ['systemctl', '--user', 'show', UNIT, '--property=LoadState,ActiveState,SubState,MainPID,UnitFileState,ExecMainStatus'],
    };
  }
  if (platform === 'darwin') {
    const system = scope === 'system';
    const domain = system ? 'system' : `gui/${uid ?? 501}`;
    return {
      manager: system ? 'launchd (daemon)' : 'launchd (agent)',
      name: LABEL,
      file: (home) => (system ? `/Library/LaunchDaemons/${LABEL}.plist` : posix.join(home, 'Library', 'LaunchAgents', `${LABEL}.plist`)),
      fileMode: 0o644,
      render: launchdPlist,
      defaultDataDir: (home) => (system ? '/Library/Application Support/Relaywatch' : posix.join(home, 'Library', 'Application Support', 'Relaywatch')),
      install: (s, file) => [
        ...(system ? [{ run: ['install', '-d', '-m', '0700', '-o', s.account, s.dataDir] }] : [{ run: ['install', '-d', '-m', '0700', s.dataDir] }]),
        { run: ['install', '-d', '-m', '0750', s.logDir] },
        WRITE,
        { run: ['launchctl', 'bootstrap', domain, file] },
      ],
      uninstall: (file) => [{ run: ['launchctl', 'bootout', `${domain}/${LABEL}`] }, { run: ['rm', '-f', file] }],
      needsAccount: system,
      status: () => ['launchctl', 'print', `${domain}/${LABEL}`],
    };
  }
  const dir = winServiceDir(env);
  const exe = win32.join(dir, `${WIN_ID}-service.exe`);
  return {
    manager: 'WinSW',
    name: WIN_ID,
    file: () => win32.join(dir, `${WIN_ID}-service.xml`),
    fileMode: 0o644,
    render: winswXml,
    defaultDataDir: () => win32.join(programData(env), 'Relaywatch', 'data'),
    install: (s) => [
      { mkdir: s.dataDir },
      { mkdir: s.logDir },
      // The data dir: SYSTEM and Administrators in full, the service's
      // LocalService account may modify, nobody else (no inherited Users read).
      { run: ['icacls', s.dataDir, '/inheritance:r', '/grant:r', 'SYSTEM:(OI)(CI)F', 'Administrators:(OI)(CI)F', 'NT AUTHORITY\\LocalService:(OI)(CI)M'] },
      WRITE,
      { run: [exe, 'install'] },
      { run: [exe, 'start'] },
    ],
    uninstall: () => [{ run: [exe, 'stop'] }, { run: [exe, 'uninstall'] }],
    needsAccount: false,
    status: () => [exe, 'status'],
  };
}

/** WinSW's executable, which the admin places beside the XML (WinSW is not shipped with Relaywatch). */
export function winswExecutable(env: NodeJS.ProcessEnv): string {
  return win32.join(winServiceDir(env), `${WIN_ID}-service.exe`);
}
