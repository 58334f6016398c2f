/**
 * service-hosts: an injected machine for `relaywatch service` tests, on which
 * every write and command fails the test (a dry run must do neither); tests
 * that carry a plan out override exec/writeFile/mkdir to record them.
 */
import type { ServiceHost } from '../../../cli/service/service-command.js';
import type { ServicePlatform } from '../../../cli/service/service-spec.js';

/** In the environment of every host: it must never reach a file or the output. */
export const DRY_HOST_SECRET = 'Sup3r-Secret-Relay-Pass';

/** A host on which any write or command fails the test: a dry run must do neither. */
export function dryHost(platform: ServicePlatform, over: Partial<ServiceHost> = {}): ServiceHost & { calls: string[] } {
  const calls: string[] = [];
  const touch = (what: string) => () => {
    calls.push(what);
    throw new Error(`dry run touched the machine: ${what}`);
  };
  return {
    calls,
    platform,
    env: { RELAY_PASS: DRY_HOST_SECRET, ProgramData: 'C:\\ProgramData' },
    home: platform === 'darwin' ? '/Users/ann' : platform === 'win32' ? 'C:\\Users\\ann' : '/home/ann',
    uid: 1000,
    nodePath: platform === 'win32' ? 'C:\\Program Files\\nodejs\\node.exe' : process.execPath,
    cliScript: platform === 'win32' ? 'C:\\Program Files\\Relaywatch\\dist\\cli\\relaywatch.js' : '/opt/relaywatch/dist/cli/relaywatch.js',
    systemdRunning: () => true,
    exists: () => true,
    exec: async (argv) => touch(`exec ${argv.join(' ')}`)(),
    writeFile: async (p) => touch(`write ${p}`)(),
    mkdir: async (p) => touch(`mkdir ${p}`)(),
    readFile: async () => undefined,
    relayRunning: async () => undefined,
    ...over,
  };
}

