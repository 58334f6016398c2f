import { describe, expect, it } from 'vitest';
import type { EditableConfig, PasswordAuth } from '../../../common/contract.js';
import { domainsFor, fieldOfError, normalisePath, routeCoverage, RULES, validateConfig } from '../../../renderer/src/lib/settings-rules.js';

const good = (): EditableConfig => ({
  routes: [
    {
      domain: 'corp.example',
      destinations: [
        { host: '10.1.1.5', port: 25, priority: 10, tls: 'opportunistic' },
        { host: 'backup.corp.example', port: 587, priority: 20, tls: 'required', auth: { user: 'relay@corp.example', passEnv: 'RELAY_PASS' } },
      ],
      bounceProfile: 'default',
    },
    { domain: 'ALL', destinations: [{ host: '::1', port: 2525, priority: 0, tls: 'none' }], bounceProfile: 'default' },
  ],
  bounceProfiles: {
    default: { initialRetrySeconds: 60, maxRetrySeconds: 3600, backoffFactor: 2, maxRetries: 100, maxQueueSeconds: 259200, delayWarningSeconds: 0 },
  },
  relayNetworks: ['127.0.0.0/8', '::1/128', '192.168.1.20'],
  listen: { host: '127.0.0.1', port: 2525 },
});

describe('settings validation', () => {
  it('accepts a valid config', () => {
    expect(validateConfig(good())).toEqual({});
  });

  it('puts each error on its own field, in the core’s path format', () => {
    const c = good();
    c.routes[0]!.destinations[1]!.port = 70000;
    c.routes[0]!.destinations[0]!.host = 'not a host';
    c.routes[1]!.domain = 'corp.example';
    c.relayNetworks[1] = '10.0.0.0/33';
    c.listen.port = 1.5;
    c.bounceProfiles.default!.backoffFactor = 0.5;
    (c.routes[0]!.destinations[1]!.auth as PasswordAuth).passEnv = 'my password';
    expect(validateConfig(c)).toEqual({
      'routes[0].destinations[1].port': 'must be 1–65535',
      'routes[0].destinations[0].host': 'must be a host name or IP address',
      'routes[1].domain': 'repeats the domain of route 1',
      'relayNetworks[1]': 'must be an IP address or CIDR block like 192.168.1.0/24',
      'listen.port': 'must be a whole number',
      'bounceProfiles.default.backoffFactor': 'must be 1 or more',
      'routes[0].destinations[1].auth.passEnv': 'must be an environment variable name',
    });
  });

  it('rejects empty ports (a cleared number field) and unknown profiles', () => {
    const c = good();
    (c.routes[0]!.destinations[0] as { port: unknown }).port = null;
    c.routes[1]!.bounceProfile = 'slow';
    c.routes[1]!.destinations = [];
    const e = validateConfig(c);
    expect(e['routes[0].destinations[0].port']).toBe('must be a whole number');
    expect(e['routes[1].bounceProfile']).toMatch(/"slow"/);
    expect(e['routes[1].destinations']).toBe('must list at least one destination');
  });

  it('knows hosts, domains and networks', () => {
    expect(RULES.host('exchange.corp.example')).toBeNull();
    expect(RULES.host('2001:db8::25')).toBeNull();
    expect(RULES.host('')).not.toBeNull();
    expect(RULES.domain('.corp.example')).toBeNull();
    expect(RULES.domain('ALL')).toBeNull();
    expect(RULES.domain('all of it')).not.toBeNull();
    expect(RULES.cidr('fe80::/10')).toBeNull();
    expect(RULES.cidr('300.1.1.1')).not.toBeNull();
    expect(RULES.listenPort(0)).toBeNull();
    expect(RULES.destinationPort(0)).toBe('must be 1–65535');
  });
});

describe('the relay’s rejection, mapped to a field', () => {
  it('reads the path from a config message', () => {
    expect(fieldOfError({ field: 'config.routes[0].destinations[1].port', message: 'config: routes[0].destinations[1].port: must be 1–65535' })).toEqual({
      field: 'routes[0].destinations[1].port',
      message: 'must be 1–65535',
    });
    expect(fieldOfError({ field: undefined, message: 'config: listen.port: must be 0–65535' })).toEqual({ field: 'listen.port', message: 'must be 0–65535' });
  });

  it('uses the field alone when the message has no path, and nothing otherwise', () => {
    expect(fieldOfError({ field: 'config.routes.0.domain', message: 'bad domain' })).toEqual({ field: 'routes[0].domain', message: 'bad domain' });
    expect(fieldOfError({ field: undefined, message: 'RELAY_PASS is not set' })).toEqual({ field: null, message: 'RELAY_PASS is not set' });
    expect(normalisePath('routes.10.destinations.2.port')).toBe('routes[10].destinations[2].port');
  });
});

describe('what a route domain covers', () => {
  it('says that .domain covers subdomains only, and a bare domain not its subdomains', () => {
    expect(routeCoverage('.corp.example')).toBe('Covers subdomains of corp.example (such as mail.corp.example), not corp.example itself.');
    expect(routeCoverage('corp.example')).toBe('Covers corp.example only, not its subdomains (add .corp.example for those).');
    expect(routeCoverage('ALL')).toMatch(/every domain/);
  });

  it('"this domain and its subdomains" is two route entries', () => {
    expect(domainsFor('corp.example', true)).toEqual(['corp.example', '.corp.example']);
    expect(domainsFor('.corp.example', true)).toEqual(['corp.example', '.corp.example']);
    expect(domainsFor(' corp.example ', false)).toEqual(['corp.example']);
  });
});
