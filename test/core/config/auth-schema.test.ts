/**
 * A destination's `auth`: `password` by default (the older shape), `oauth2`
 * with one credential; every mistake names its field.
 */
import { describe, expect, it } from 'vitest';
import type { SmtpDestinationConfig } from '../../../core/config/config-schema.js';
import { parseConfig } from '../../../core/config/load-config.js';

const dest = (auth: Record<string, unknown>) => ({ routes: [{ domain: 'corp.example', destinations: [{ host: 'smtp.office365.com', port: 587, tls: 'required', auth }] }] });
const oauth = { type: 'oauth2', user: 'scanner@corp.example', tenant: 'corp.onmicrosoft.com', clientId: '00000000-1111-2222-3333-444444444444', clientSecretEnv: 'RW_M365_SECRET' };

function errorOf(value: unknown): string {
  try {
    parseConfig(value);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

describe('destination auth', () => {
  it('defaults auth.type to password, the older shape', () => {
    expect((parseConfig(dest({ user: 'u', passEnv: 'P' })).routes[0]!.destinations[0] as SmtpDestinationConfig).auth).toEqual({ type: 'password', user: 'u', passEnv: 'P' });
  });

  it('takes the DESIGN.md oauth2 shape with a secret or a certificate', () => {
    expect((parseConfig(dest(oauth)).routes[0]!.destinations[0] as SmtpDestinationConfig).auth).toMatchObject(oauth);
    const { clientSecretEnv: _s, ...noSecret } = oauth;
    const cert = { ...noSecret, certificateFile: 'c.pem', privateKeyFile: 'k.pem', tokenUrl: 'https://login.microsoftonline.us/t/oauth2/v2.0/token', scope: 'https://outlook.office365.us/.default' };
    expect((parseConfig(dest(cert)).routes[0]!.destinations[0] as SmtpDestinationConfig).auth).toMatchObject(cert);
    expect(() => parseConfig(dest({ ...oauth, tokenUrl: 'http://127.0.0.1:8080/t/oauth2/v2.0/token' }))).not.toThrow();
  });

  const { clientSecretEnv: _s, ...noCredential } = oauth;
  it.each([
    [{ ...oauth, type: 'kerberos' }, 'routes[0].destinations[0].auth.type: must be "password" or "oauth2"'],
    [noCredential, 'routes[0].destinations[0].auth.clientSecretEnv: is required (or certificateFile + privateKeyFile'],
    [{ ...oauth, certificateFile: 'c.pem', privateKeyFile: 'k.pem' }, 'auth.clientSecretEnv: give clientSecretEnv or certificateFile + privateKeyFile, not both'],
    [{ ...noCredential, certificateFile: 'c.pem' }, 'routes[0].destinations[0].auth.privateKeyFile: is required with certificateFile'],
    [{ ...oauth, clientSecret: 'abc' }, 'routes[0].destinations[0].auth.clientSecret: client secrets may not be written in the config'],
    [{ ...oauth, clientSecretEnv: 'my secret' }, 'auth.clientSecretEnv: must be an environment variable name'],
    [{ ...oauth, tokenUrl: 'http://login.example.com/t/token' }, 'routes[0].destinations[0].auth.tokenUrl: must be an https:// URL (http:// only for a loopback address'],
    [{ ...oauth, tenant: 'corp onmicrosoft' }, 'routes[0].destinations[0].auth.tenant: must be the tenant ID'],
    [{ ...oauth, clientId: '' }, 'routes[0].destinations[0].auth.clientId: must be the application (client) ID'],
    [{ ...oauth, passEnv: 'P' }, 'unknown key routes[0].destinations[0].auth.passEnv'],
  ])('rejects %j naming the field', (auth, expected) => {
    expect(errorOf(dest(auth))).toContain(expected);
  });
});
