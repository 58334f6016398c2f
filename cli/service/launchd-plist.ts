/**
 * launchd-plist: the relay's launchd property list (launchd.plist(5), Apple's
 * plist 1.0 DTD): a daemon in /Library/LaunchDaemons that runs as its own
 * account, or an agent in ~/Library/LaunchAgents (`--user`).
 */
import type { ServiceSpec } from './service-types.js';

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const str = (s: string): string => `<string>${xml(s)}</string>`;

export function launchdPlist(s: ServiceSpec): string {
  const entries: string[] = [
    '<key>Label</key>',
    str('com.relaywatch.relay'),
    '<key>ProgramArguments</key>',
    '<array>',
    ...s.command.map((a) => `  ${str(a)}`),
    '</array>',
    '<key>RunAtLoad</key>',
    '<true/>',
    // Restarted when it exits with an error or is killed; a clean exit (0,
    // after SIGTERM) stays down, as systemd's Restart=on-failure.
    '<key>KeepAlive</key>',
    '<dict>',
    '  <key>SuccessfulExit</key>',
    '  <false/>',
    '</dict>',
    '<key>ThrottleInterval</key>',
    '<integer>5</integer>',
    // launchd sends SIGTERM, then SIGKILL after this many seconds.
    '<key>ExitTimeOut</key>',
    `<integer>${s.stopTimeoutSeconds}</integer>`,
    '<key>Umask</key>',
    '<integer>63</integer>',
    '<key>WorkingDirectory</key>',
    str(s.dataDir),
    '<key>StandardOutPath</key>',
    str(`${s.logDir}/relaywatch.out.log`),
    '<key>StandardErrorPath</key>',
    str(`${s.logDir}/relaywatch.err.log`),
  ];
  if (s.scope === 'system') entries.push('<key>UserName</key>', str(s.account), '<key>GroupName</key>', str(s.account));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `relaywatch service install`; `relaywatch service uninstall` removes it. -->',
    '<plist version="1.0">',
    '<dict>',
    ...entries.map((e) => `  ${e}`),
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
