import { describe, expect, it } from 'vitest';
import type { SmtpDestinationConfig } from '../../../core/config/config-schema.js';
import { parseConfig } from '../../../core/config/load-config.js';
import { RelayError } from '../../../core/errors/relay-error.js';
import { RouteResolver, checkRouteSecrets } from '../../../core/routing/route-resolver.js';
import type { DnsLookup } from '../../../core/routing/routing-types.js';

const dns: DnsLookup = {
  resolveMx: async (d) => (d === 'mx.test' ? [{ exchange: 'in.mx.test', priority: 5 }] : Promise.reject(Object.assign(new Error('nx'), { code: 'ENOTFOUND' }))),
  resolve4: async () => [],
  resolve6: async () => [],
};

const routes = () =>
  parseConfig({
    routes: [
      {
        domain: 'corp.example',
        destinations: [
          { host: 'backup.example', port: 25, priority: 20 },
          { host: '10.1.1.5', port: 25, priority: 10 },
          { host: '10.1.1.6', port: 2525, priority: 10, tls: 'none' },
        ],
        bounceProfile: 'slow',
      },
      { domain: 'ALL', destinations: [{ host: 'smtp.office365.com', port: 587, tls: 'required', auth: { user: 'relay@corp.example', passEnv: 'RELAY_PASS' } }] },
    ],
    bounceProfiles: { slow: {} },
  }).routes;

function thrown(fn: () => unknown): RelayError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RelayError);
    return e as RelayError;
  }
  throw new Error('did not throw');
}

describe('RouteResolver', () => {
  it('resolves a configured route: destinations by priority, keys host:port as configured, profile', async () => {
    const r = await new RouteResolver(routes(), { dns, env: { RELAY_PASS: 's3cret' } }).resolve('CORP.example');
    expect(r.routeDomain).toBe('corp.example');
    expect(r.bounceProfile).toBe('slow');
    expect(r.destinations.map((d) => [d.key, d.priority, d.tls])).toEqual([
      ['10.1.1.5:25', 10, 'opportunistic'],
      ['10.1.1.6:2525', 10, 'none'],
      ['backup.example:25', 20, 'opportunistic'],
    ]);
  });

  it('reads the smarthost password from its environment variable', async () => {
    const r = await new RouteResolver(routes(), { dns, env: { RELAY_PASS: 's3cret' } }).resolve('anything.test');
    expect(r.routeDomain).toBe('ALL');
    expect(r.destinations[0]).toMatchObject({ key: 'smtp.office365.com:587', tls: 'required', auth: { user: 'relay@corp.example', pass: 's3cret' } });
  });

  it('uses MX when no route matches, and setRoutes changes the routes', async () => {
    const resolver = new RouteResolver([], { dns, env: { RELAY_PASS: 'x' } });
    const r = await resolver.resolve('mx.test');
    expect(r).toMatchObject({ routeDomain: 'MX', bounceProfile: 'default' });
    expect(r.destinations.map((d) => d.key)).toEqual(['in.mx.test:25']);
    resolver.setRoutes(routes());
    expect((await resolver.resolve('mx.test')).routeDomain).toBe('ALL');
  });

  it('a password variable that disappeared after start holds the mail (temporary ECONFIG)', async () => {
    const e = await new RouteResolver(routes(), { dns, env: {} }).resolve('x.test').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(RelayError);
    expect([(e as RelayError).code, (e as RelayError).temporary]).toEqual(['ECONFIG', true]);
  });
});

describe('checkRouteSecrets', () => {
  it('names the field and the variable that is not set', () => {
    const e = thrown(() => checkRouteSecrets(routes(), {}));
    expect(e.code).toBe('ECONFIG');
    expect(e.temporary).toBe(false);
    expect(e.message).toBe('routes[1].destinations[0].auth.passEnv: environment variable RELAY_PASS is not set');
  });

  it('rejects an empty variable and reports every problem in one line', () => {
    const rs = routes();
    (rs[0]!.destinations[2] as SmtpDestinationConfig).auth = { type: 'password', user: 'u', passEnv: 'OTHER_PASS' };
    const e = thrown(() => checkRouteSecrets(rs, { RELAY_PASS: '' }));
    expect(e.message).toBe(
      'routes[0].destinations[2].auth.passEnv: environment variable OTHER_PASS is not set; routes[1].destinations[0].auth.passEnv: environment variable RELAY_PASS is empty',
    );
  });

  it('passes when every variable is set', () => {
    expect(() => checkRouteSecrets(routes(), { RELAY_PASS: 'x' })).not.toThrow();
  });
});
