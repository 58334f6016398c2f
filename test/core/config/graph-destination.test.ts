/**
 * Graph destinations in the config (DESIGN.md "Contract additions"): the
 * keys, one credential, https:// only off loopback, errors naming the field,
 * and a destination without `type` staying SMTP.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/config/load-config.js';
import { configuredDestinations } from '../../../core/routing/configured-destinations.js';
import { checkRouteSecrets } from '../../../core/routing/route-resolver.js';
import type { RelayError } from '../../../core/errors/relay-error.js';

const graph = (extra: Record<string, unknown> = {}) => ({
  type: 'graph',
  name: 'Microsoft 365 (Graph)',
  priority: 10,
  mailbox: 'relay@corp.example',
  tenant: 'corp.onmicrosoft.com',
  clientId: '11111111-2222-3333-4444-555555555555',
  clientSecretEnv: 'RW_M365_SECRET',
  ...extra,
});
const withDest = (d: unknown, more: unknown[] = []) => ({ routes: [{ domain: 'ALL', destinations: [d, ...more] }] });

function errorOf(value: unknown): string {
  try {
    parseConfig(value);
  } catch (e) {
    return (e as RelayError).message;
  }
  throw new Error('parsed');
}

describe('Graph destination config', () => {
  it('accepts the contract example with defaults, and keys it graph:{mailbox}', () => {
    const c = parseConfig(withDest(graph(), [{ host: '10.1.1.5', port: 25, priority: 20 }]));
    expect(c.routes[0]!.destinations[0]).toMatchObject({ type: 'graph', graphUrl: 'https://graph.microsoft.com', priority: 10 });
    // Without `type`, still SMTP with its defaults.
    expect(c.routes[0]!.destinations[1]).toMatchObject({ host: '10.1.1.5', tls: 'opportunistic' });
    const dests = configuredDestinations(c, {});
    expect(dests[0]).toMatchObject({
      key: 'graph:relay@corp.example',
      host: 'graph.microsoft.com',
      port: 443,
      name: 'Microsoft 365 (Graph)',
      graph: { mailbox: 'relay@corp.example', graphUrl: 'https://graph.microsoft.com', credential: { scope: 'https://graph.microsoft.com/.default', tenant: 'corp.onmicrosoft.com' } },
    });
    expect(dests[1]!.key).toBe('10.1.1.5:25');
  });

  it.each([
    [graph({ mailbox: 'not an address' }), 'routes[0].destinations[0].mailbox: must be the address of the mailbox that sends'],
    [graph({ clientSecretEnv: undefined }), 'routes[0].destinations[0].clientSecretEnv: is required (or certificateFile + privateKeyFile)'],
    [graph({ certificateFile: 'c.pem', privateKeyFile: 'k.pem' }), 'routes[0].destinations[0].clientSecretEnv: give either clientSecretEnv or certificateFile + privateKeyFile, not both'],
    [graph({ clientSecretEnv: undefined, certificateFile: 'c.pem' }), 'routes[0].destinations[0].privateKeyFile: is required with certificateFile'],
    [graph({ clientSecret: 'hunter2' }), 'routes[0].destinations[0].clientSecret: secrets may not be written in the config'],
    [graph({ graphUrl: 'http://graph.example' }), 'routes[0].destinations[0].graphUrl: must be an https:// URL (http:// only for a loopback address)'],
    [graph({ tokenUrl: 'http://10.0.0.1/token' }), 'routes[0].destinations[0].tokenUrl: must be an https:// URL (http:// only for a loopback address)'],
    [graph({ type: 'exchange' }), 'routes[0].destinations[0].type: must be one of "graph"'],
    [graph({ host: 'x' }), 'unknown key routes[0].destinations[0].host'],
    [{ host: 'x', mailbox: 'a@b.example' }, 'unknown key routes[0].destinations[0].mailbox'],
  ])('refuses %j naming the field', (d, message) => {
    expect(errorOf(withDest(d))).toContain(message);
  });

  it('takes http:// for loopback (the tests\' fakes) and drops a trailing slash', () => {
    const c = parseConfig(withDest(graph({ graphUrl: 'http://127.0.0.1:8080/', tokenUrl: 'http://[::1]:9/t' })));
    expect(c.routes[0]!.destinations[0]).toMatchObject({ graphUrl: 'http://127.0.0.1:8080', tokenUrl: 'http://[::1]:9/t' });
  });

  it('one name per destination: a Graph destination may not take an SMTP one\'s name', () => {
    expect(errorOf(withDest(graph({ name: 'Exchange' }), [{ host: '10.1.1.5', name: 'exchange' }]))).toContain('routes[0].destinations[1].name: repeats the name of routes[0].destinations[0] (graph:relay@corp.example)');
  });

  it('checks at start that clientSecretEnv is set, naming the field', () => {
    const c = parseConfig(withDest(graph()));
    expect(() => checkRouteSecrets(c.routes, {})).toThrow('routes[0].destinations[0].clientSecretEnv: environment variable RW_M365_SECRET is not set');
    expect(() => checkRouteSecrets(c.routes, { RW_M365_SECRET: 's' })).not.toThrow();
  });
});
