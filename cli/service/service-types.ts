/**
 * service-types: what every service-file renderer (systemd, launchd, WinSW)
 * is given: the command, the data dir, the account and the stop timeout.
 */
export type ServicePlatform = 'linux' | 'darwin' | 'win32';
export type ServiceScope = 'system' | 'user';

/** What every renderer needs. */
export interface ServiceSpec {
  platform: ServicePlatform;
  scope: ServiceScope;
  /** node, the relay's CLI script, `serve`, and its options. */
  command: string[];
  dataDir: string;
  configFile: string | undefined;
  /** The dedicated account a system service runs as. */
  account: string;
  /** systemd: where secrets (passEnv) are kept; launchd/WinSW: unused. */
  environmentFile: string;
  /** How long the service manager waits after SIGTERM / Ctrl+C before it kills. */
  stopTimeoutSeconds: number;
  /** Where the service manager keeps the relay's stdout/stderr (launchd, WinSW). */
  logDir: string;
}
