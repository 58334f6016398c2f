import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpDestinationConfig } from '../../../core/config/config-schema.js';
import { loadConfig, parseConfig } from '../../../core/config/load-config.js';
import { RelayError } from '../../../core/errors/relay-error.js';
import { listenersOf } from '../../../core/config/config-schema.js';
import { tempDir } from '../../helpers/temp-dir.js';

const designExample = {
  hostname: 'relay.office.example',
  listen: { host: '127.0.0.1', port: 2525 },
  relayNetworks: ['127.0.0.0/8', '::1/128'],
  limits: { maxMessageBytes: 26214400, maxRecipients: 100, maxConnections: 100 },
  control: { host: '127.0.0.1', port: 8025 },
  routes: [
    {
      domain: 'corp.example',
      destinations: [
        { host: '10.1.1.5', port: 25, priority: 10 },
        { host: '10.1.1.6', port: 25, priority: 10 },
        { host: 'backup.example', port: 25, priority: 20 },
      ],
      bounceProfile: 'default',
    },
    {
      domain: 'ALL',
      destinations: [
        { host: 'smtp.office365.com', port: 587, priority: 0, tls: 'required', auth: { user: 'relay@corp.example', passEnv: 'RELAY_PASS' } },
      ],
    },
  ],
  bounceProfiles: {
    default: { initialRetrySeconds: 60, maxRetrySeconds: 3600, backoffFactor: 2, maxRetries: 100, maxQueueSeconds: 259200, delayWarningSeconds: 14400 },
  },
};

function errorOf(value: unknown): string {
  try {
    parseConfig(value);
  } catch (e) {
    expect(e).toBeInstanceOf(RelayError);
    expect((e as RelayError).code).toBe('ECONFIG');
    return (e as RelayError).message;
  }
  throw new Error('expected a config error');
}

describe('config', () => {
  let dir: string;
  let removeTemp: () => Promise<void>;
  beforeAll(async () => {
    ({ dir: dir, remove: removeTemp } = await tempDir('rw-config-'));
  });
  afterAll(async () => {
    await removeTemp();
  });

  it('accepts the example of DESIGN.md and fills defaults', () => {
    const c = parseConfig(designExample);
    expect(c.routes[0]!.destinations[2]!.priority).toBe(20);
    expect((c.routes[0]!.destinations[0] as SmtpDestinationConfig).tls).toBe('opportunistic');
    expect(c.routes[1]!.bounceProfile).toBe('default');
    expect(c.bounceProfiles.default.delayWarningSeconds).toBe(14400);
  });

  it('has safe defaults without a file: loopback only', async () => {
    const c = await loadConfig(undefined);
    expect(listenersOf(c)[0]?.host).toBe('127.0.0.1');
    expect(c.control.host).toBe('127.0.0.1');
    expect(c.relayNetworks).toEqual(['127.0.0.0/8', '::1/128']);
    expect(c.routes).toEqual([]);
    expect(c.bounceProfiles.default).toEqual({
      initialRetrySeconds: 60,
      maxRetrySeconds: 3600,
      backoffFactor: 2,
      maxRetries: 100,
      maxQueueSeconds: 259200,
      delayWarningSeconds: 0,
    });
  });

  it('gives the end-of-data reply its own timeout, 5 minutes unless set', () => {
    expect(parseConfig({}).delivery.dataTimeoutSeconds).toBe(300);
    expect(parseConfig({ delivery: {} }).delivery.dataTimeoutSeconds).toBe(300);
    expect(parseConfig({ delivery: { dataTimeoutSeconds: 600 } }).delivery).toMatchObject({ dataTimeoutSeconds: 600, commandTimeoutSeconds: 60 });
  });

  it('fills the connection and session limits with defaults that follow maxConnections', () => {
    expect(parseConfig({}).limits).toEqual({
      maxMessageBytes: 26214400,
      maxRecipients: 100,
      maxConnections: 100,
      maxConnectionsPerClient: 20,
      reservedForRelayNetworks: 30,
      sessionTimeoutSeconds: 600,
      idleTimeoutSeconds: 60,
    });
    // a config that sets only maxConnections stays valid
    expect(parseConfig({ limits: { maxConnections: 2 } }).limits).toMatchObject({ maxConnectionsPerClient: 2, reservedForRelayNetworks: 0 });
    expect(parseConfig({ limits: { maxConnections: 500 } }).limits).toMatchObject({ maxConnectionsPerClient: 20, reservedForRelayNetworks: 150 });
    // what config get prints parses back to the same
    const all = parseConfig({ limits: { maxConnections: 40, reservedForRelayNetworks: 40, idleTimeoutSeconds: 0.5 } });
    expect(parseConfig(all).limits).toEqual(all.limits);
  });

  it('fills every missing bounce profile field with the ESA-like default', () => {
    const c = parseConfig({ bounceProfiles: { fast: { initialRetrySeconds: 1 } } });
    expect(c.bounceProfiles.fast).toMatchObject({ initialRetrySeconds: 1, maxRetrySeconds: 3600, backoffFactor: 2 });
  });

  it('probes a Down route destination every 5 s unless set, and keeps one name per destination', () => {
    expect(parseConfig({}).delivery).toMatchObject({ probeInitialSeconds: 10, probeMaxSeconds: 5, mxProbeMaxSeconds: 300 });
    expect(parseConfig({ delivery: {} }).delivery).toMatchObject({ probeMaxSeconds: 5 });
    const c = parseConfig({
      routes: [
        { domain: 'a.example', destinations: [{ host: 'h', name: ' Exchange ' }] },
        // The same destination in another route, with the same name: one destination.
        { domain: 'ALL', destinations: [{ host: 'h', name: 'Exchange' }] },
      ],
    });
    expect(c.routes.map((r) => r.destinations[0]!.name)).toEqual(['Exchange', 'Exchange']);
  });

  it('accepts a delay warning longer than the queue time (it simply never fires)', () => {
    expect(() => parseConfig({ bounceProfiles: { default: { delayWarningSeconds: 10, maxQueueSeconds: 5 } } })).not.toThrow();
  });

  it.each([
    [{ routes: [{ domain: 'a.example', destinations: [{ host: 'h', port: 70000 }] }] }, 'routes[0].destinations[0].port: must be'],
    [{ routes: [{ domain: 'a.example', destinations: [{ host: 'h', port: '25' }] }] }, 'routes[0].destinations[0].port: must be number'],
    [{ routes: [{ domain: 'a.example', destinations: [] }] }, 'routes[0].destinations: must list at least one destination'],
    [{ routes: [{ domain: 'a.example', destinations: [{ host: 'h', tls: 'always' }] }] }, 'routes[0].destinations[0].tls: must be one of "none", "opportunistic", "required"'],
    [{ routes: [{ domain: 'bad domain!', destinations: [{ host: 'h' }] }] }, 'routes[0].domain: must be a domain'],
    [{ routes: [{ domain: 'a.example', destinations: [{ host: 'h', auth: { user: 'u', pass: 'secret' } }] }] }, 'routes[0].destinations[0].auth.pass: passwords may not be written in the config'],
    [{ routes: [{ domain: 'a.example', destinations: [{ host: 'h' }], bounceProfile: 'nope' }] }, 'routes[0].bounceProfile: names a bounce profile "nope"'],
    [{ routes: [{ domain: 'a.example', destinations: [{ host: 'h' }] }, { domain: 'A.example', destinations: [{ host: 'h' }] }] }, 'routes[1].domain: repeats the domain of routes[0]'],
    [{ relayNetworks: ['10.0.0.0/33'] }, 'relayNetworks[0]: must be an IP address or CIDR block'],
    [{ listen: { host: '127.0.0.1', prot: 25 } }, 'unknown key listen.prot'],
    [{ limits: { maxRecipients: 0 } }, 'limits.maxRecipients: must be at least 1'],
    [{ limits: { maxConnectionsPerClient: 0 } }, 'limits.maxConnectionsPerClient: must be at least 1'],
    [{ limits: { maxConnectionsPerClient: 2.5 } }, 'limits.maxConnectionsPerClient: must be a whole number'],
    [{ limits: { maxConnections: 10, maxConnectionsPerClient: 11 } }, 'limits.maxConnectionsPerClient: must not exceed limits.maxConnections (10)'],
    [{ limits: { reservedForRelayNetworks: -1 } }, 'limits.reservedForRelayNetworks: must be 0 or more'],
    [{ limits: { reservedForRelayNetworks: 101 } }, 'limits.reservedForRelayNetworks: must not exceed limits.maxConnections (100)'],
    [{ limits: { sessionTimeoutSeconds: 0 } }, 'limits.sessionTimeoutSeconds: must be more than 0 seconds'],
    [{ limits: { sessionTimeoutSeconds: 86401 } }, 'limits.sessionTimeoutSeconds: must be at most 86400 seconds'],
    [{ limits: { idleTimeoutSeconds: '60' } }, 'limits.idleTimeoutSeconds: must be number'],
    [{ limits: { idleTimeoutSeconds: -1 } }, 'limits.idleTimeoutSeconds: must be more than 0 seconds'],
    [{ limits: { maxConnectionPerClient: 5 } }, 'unknown key limits.maxConnectionPerClient'],
    [{ bounceProfiles: { default: { backoffFactor: 0.5 } } }, 'bounceProfiles.default.backoffFactor: must be 1 or more'],
    [{ hostnme: 'x' }, 'unknown key hostnme'],
    [{ delivery: { dataTimeoutSeconds: 0 } }, 'delivery.dataTimeoutSeconds: must be more than 0 seconds'],
    [{ delivery: { dataTimeoutSeconds: '600' } }, 'delivery.dataTimeoutSeconds: must be number'],
    [{ delivery: { probeMaxSeconds: 0 } }, 'delivery.probeMaxSeconds: must be more than 0 seconds'],
    [{ routes: [{ domain: 'a.example', destinations: [{ host: 'h', name: '  ' }] }] }, 'routes[0].destinations[0].name: must not be empty'],
    [{ routes: [{ domain: 'a.example', destinations: [{ host: 'h', name: 'x'.repeat(65) }] }] }, 'routes[0].destinations[0].name: must be at most 64 characters'],
    [{ routes: [{ domain: 'a.example', destinations: [{ host: 'h', name: 'Ex\nchange' }] }] }, 'routes[0].destinations[0].name: must not contain control characters'],
    [
      { routes: [{ domain: 'a.example', destinations: [{ host: 'h', name: 'Exchange' }, { host: 'k', name: 'exchange' }] }] },
      'routes[0].destinations[1].name: repeats the name of routes[0].destinations[0] (h:25); names must be unique',
    ],
    [
      { routes: [{ domain: 'a.example', destinations: [{ host: 'h', name: 'Exchange' }] }, { domain: 'ALL', destinations: [{ host: 'h', port: 25, name: 'Backup' }] }] },
      'routes[1].destinations[0].name: h:25 is named "Exchange" in routes[0].destinations[0]; one destination has one name',
    ],
  ])('rejects %j naming the field', (value, expected) => {
    expect(errorOf(value)).toContain(expected);
  });

  it('names the file and the problem for unreadable and non-JSON files', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ "listen": ');
    await expect(loadConfig(bad)).rejects.toThrow(/^config .*bad\.json: not valid JSON/);
    await expect(loadConfig(join(dir, 'missing.json'))).rejects.toThrow(/cannot read file \(ENOENT\)/);
    const arr = join(dir, 'arr.json');
    await writeFile(arr, '[]');
    await expect(loadConfig(arr)).rejects.toThrow(/must be a JSON object/);
    const field = join(dir, 'field.json');
    await writeFile(field, JSON.stringify({ control: { port: -1 } }));
    await expect(loadConfig(field)).rejects.toThrow(/field\.json: control\.port: must be 0–65535 \(0: any free port\)/);
  });
});

describe('config errors: all at once, in the words of each field', () => {
  it('reports every problem, one line each naming its field', () => {
    const value = {
      listen: { port: 70000 },
      routes: [{ domain: 'corp.example', destinations: [{ host: 'mx.corp.example', port: 0 }] }],
    };
    let message = '';
    try {
      parseConfig(value, 'config x.json');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')).toEqual([
      'config x.json: listen.port: must be 0–65535 (0: any free port)',
      'config x.json: routes[0].destinations[0].port: must be 1–65535',
    ]);
  });

  it('a destination port is 1–65535 both ways; a listener may take 0 (any free port)', () => {
    const dest = (port: number) => ({ routes: [{ domain: 'ALL', destinations: [{ host: 'mx.example', port }] }] });
    expect(() => parseConfig(dest(70000))).toThrow(/destinations\[0\]\.port: must be 1–65535$/);
    expect(() => parseConfig(dest(0))).toThrow(/destinations\[0\]\.port: must be 1–65535$/);
    expect(listenersOf(parseConfig({ listen: { port: 0 }, control: { port: 0 } }))[0]?.port).toBe(0);
  });
});
