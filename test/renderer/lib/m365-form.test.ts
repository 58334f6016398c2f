/**
 * m365-form: a destination → the form's fields → the same destination (what Test checks is
 * what Save writes), the keys the form does not show kept, and the checks' words.
 */
import { describe, expect, it } from 'vitest';
import type { GraphDestinationSetting, TlsDestination } from '../../../common/contract.js';
import { checkM365, describeM365, m365Destination, m365Fields, m365Query, NEW_M365 } from '../../../renderer/src/lib/m365-form.js';

const graph: Omit<GraphDestinationSetting, 'priority'> = { type: 'graph', name: 'Microsoft 365', mailbox: 'relay@corp.example', tenant: 'corp.onmicrosoft.com', clientId: 'app-1', clientSecretEnv: 'RW_M365_SECRET', graphUrl: 'https://graph.microsoft.com' };
const oauth2: Pick<TlsDestination, 'host' | 'port' | 'tls' | 'auth'> = {
  host: 'smtp.office365.com',
  port: 587,
  tls: 'required',
  auth: { type: 'oauth2', user: 'scanner@corp.example', tenant: 'corp.onmicrosoft.com', clientId: 'app-2', certificateFile: '/etc/rw/app.pem', privateKeyFile: '/etc/rw/app.key', scope: 'https://outlook.office365.com/.default' },
};

describe('m365-form', () => {
  it('round-trips each recipe, keeping what the form does not show (name, scope)', () => {
    expect(m365Destination(m365Fields(graph), graph)).toEqual(graph);
    expect(m365Destination(m365Fields(oauth2), oauth2)).toEqual(oauth2);
    const connector = { host: 'corp-example.mail.protection.outlook.com', port: 25, tls: 'required' as const };
    expect(m365Destination(m365Fields(connector), connector)).toEqual(connector);
  });

  it('tests exactly what it saves, without the keys only the config keeps', () => {
    const f = m365Fields(graph);
    expect(m365Query(f)).toEqual({ type: 'graph', mailbox: 'relay@corp.example', tenant: 'corp.onmicrosoft.com', clientId: 'app-1', clientSecretEnv: 'RW_M365_SECRET' });
    expect(m365Fields(oauth2).credential).toBe('certificate');
    expect(m365Query(m365Fields(oauth2))).toMatchObject({ auth: { certificateFile: '/etc/rw/app.pem', privateKeyFile: '/etc/rw/app.key' } });
    expect(describeM365(graph)).toBe('Microsoft Graph as relay@corp.example');
    expect(describeM365(oauth2)).toBe('smtp.office365.com:587 as scanner@corp.example');
  });

  it('names each field that needs attention', () => {
    expect(checkM365({ ...NEW_M365, mailbox: 'nope', secretEnv: 'RW-SECRET', tokenUrl: 'http://login.example/token' })).toEqual({
      mailbox: 'must be the address of the mailbox that sends, e.g. scanner@corp.example',
      tenant: 'must be the tenant ID (a GUID) or its domain, e.g. corp.onmicrosoft.com',
      clientId: 'must be the Application (client) ID of the app registration',
      secretEnv: 'must be an environment variable name, e.g. RW_M365_SECRET',
      tokenUrl: 'must be an https:// URL (http:// only for a loopback address)',
    });
    expect(checkM365({ ...m365Fields(graph), credential: 'certificate' })).toEqual({
      certificateFile: 'must be the path of the certificate (PEM) uploaded to the app',
      privateKeyFile: 'must be the path of its private key (PEM)',
    });
    expect(checkM365({ ...NEW_M365, recipe: 'connector', mxHost: '' })).toEqual({ mxHost: 'must be a host name or IP address' });
  });
});
