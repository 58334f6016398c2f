/**
 * systemd-unit: the relay's systemd unit file (systemd.unit(5), systemd.service(5),
 * systemd.exec(5)): a system-wide unit that runs as a dedicated user with the
 * file system read-only but for the data dir, or a per-user unit (`--user`).
 */
import type { ServiceSpec } from './service-types.js';

/**
 * One ExecStart word: plain when it is safe, else in double quotes with \ and
 * " escaped (systemd.service(5) "Command lines"). `%` is a specifier and `$`
 * an environment reference in every case, so both are doubled.
 */
export function systemdWord(s: string): string {
  const escaped = s.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Paths under a home directory are hidden by ProtectHome=yes; read-only keeps them reachable. */
const HOME_PREFIXES = ['/home/', '/root/', '/run/user/'];
const underHome = (p: string): boolean => HOME_PREFIXES.some((h) => p.startsWith(h) || `${p}/` === h);

export function systemdUnit(s: ServiceSpec): string {
  const exec = s.command.map(systemdWord).join(' ');
  const lines = [
    '# Written by `relaywatch service install`; `relaywatch service uninstall` removes it.',
    '[Unit]',
    'Description=Relaywatch SMTP relay',
    'Documentation=https://github.com/relaywatch/relaywatch#run-it-as-a-service',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    // Secrets named by passEnv/clientSecretEnv come from this file (root-owned,
    // 0600), never from the unit: unit files are world-readable. "-": optional.
    `EnvironmentFile=-${s.environmentFile}`,
    'Restart=on-failure',
    'RestartSec=5',
    // SIGTERM to the relay only: it stops accepting, finishes or requeues what
    // is in flight within its own deadline, flushes and exits 0. The timeout
    // covers that deadline with room for the flush; only then SIGKILL.
    'KillSignal=SIGTERM',
    'KillMode=mixed',
    `TimeoutStopSec=${s.stopTimeoutSeconds}`,
    'UMask=0077',
  ];
  if (s.scope === 'system') {
    const paths = [s.dataDir, s.command[0] ?? '', s.command[1] ?? '', ...(s.configFile ? [s.configFile] : [])];
    lines.push(
      `User=${s.account}`,
      `Group=${s.account}`,
      // Port 25 is below 1024: the one capability the relay needs, and no other.
      'AmbientCapabilities=CAP_NET_BIND_SERVICE',
      'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      `ReadWritePaths=${systemdWord(s.dataDir)}`,
      // A data dir, node or the relay under /home would be hidden by "yes".
      `ProtectHome=${paths.some(underHome) ? 'read-only' : 'yes'}`,
      'PrivateTmp=yes',
      'PrivateDevices=yes',
      'ProtectKernelTunables=yes',
      'ProtectKernelModules=yes',
      'ProtectControlGroups=yes',
      'RestrictSUIDSGID=yes',
      'RestrictNamespaces=yes',
      'LockPersonality=yes',
      'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
    );
  } else {
    // A user manager cannot drop privileges it never had; this much it can.
    lines.push('NoNewPrivileges=yes');
  }
  lines.push('', '[Install]', `WantedBy=${s.scope === 'system' ? 'multi-user.target' : 'default.target'}`, '');
  return lines.join('\n');
}
