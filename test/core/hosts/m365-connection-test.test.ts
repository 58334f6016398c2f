/**
 * "Test connection" for Microsoft 365 destinations, against the fakes over
 * loopback: OAuth2 SMTP (token, STARTTLS, AUTH XOAUTH2, QUIT: nothing sent)
 * and Microsoft Graph (token, authorised GET of the service root: nothing
 * sent); refusals come back in Microsoft's words (AADSTS7000215 …). Also the
 * control argument: the old { host, port, tls } shape still passes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { microsoftError } from '../../../common/microsoft-errors.js';
import { parseArgs } from '../../../core/control/arg-schemas.js';
import { testSmtpConnection } from '../../../core/hosts/connection-test.js';
import { testGraphConnection } from '../../../core/hosts/graph-connection-test.js';
import { startFakeGraph } from '../../helpers/fake-graph.js';
import { startFakeTokenEndpoint, type FakeTokenEndpoint } from '../../helpers/fake-token-endpoint.js';
import { startXOAuth2Sink } from '../../helpers/fake-xoauth2-smtp.js';

const MAILBOX = 'scanner@corp.example';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function world(): Promise<{ idp: FakeTokenEndpoint; env: NodeJS.ProcessEnv }> {
  const idp = await startFakeTokenEndpoint({ clientSecret: 'right-secret' });
  closers.push(() => idp.close());
  return { idp, env: { RW_M365_SECRET: 'right-secret' } };
}
const opts = (env: NodeJS.ProcessEnv) => ({ hostname: 'relay.test', timeoutMs: 5000, env });
const auth = (idp: FakeTokenEndpoint) => ({ type: 'oauth2' as const, user: MAILBOX, tenant: idp.tenant, clientId: idp.clientId, clientSecretEnv: 'RW_M365_SECRET', tokenUrl: idp.url });

describe('testConnection with an OAuth2 login (XOAUTH2)', () => {
  it('the right secret: a token, STARTTLS, a login accepted, and no mail', async () => {
    const { idp, env } = await world();
    const sink = await startXOAuth2Sink(idp, { user: MAILBOX });
    closers.push(() => sink.stop());
    const r = await testSmtpConnection({ host: sink.host, port: sink.port, tls: 'opportunistic', auth: auth(idp) }, opts(env));
    expect(r).toMatchObject({ ok: true, tls: true });
    expect(r.detail).toContain(`signed in as ${MAILBOX}`);
    expect(sink.stats.xoauth2Logins).toBe(1);
    expect(idp.issued()).toBe(1);
    expect(sink.stats.transactions).toBe(0);
    expect(sink.messages).toHaveLength(0);
  });

  it('a wrong secret: the token endpoint’s AADSTS7000215 in words, and the server never asked', async () => {
    const { idp } = await world();
    const sink = await startXOAuth2Sink(idp, { user: MAILBOX });
    closers.push(() => sink.stop());
    const r = await testSmtpConnection({ host: sink.host, port: sink.port, tls: 'opportunistic', auth: auth(idp) }, opts({ RW_M365_SECRET: 'the-secret-id-not-its-value' }));
    expect(r.ok).toBe(false);
    expect(r.detail).toContain(microsoftError('AADSTS7000215')!.words);
    expect(r.detail).not.toContain('the-secret-id-not-its-value');
    expect(sink.stats.xoauth2Logins).toBe(0);
  });

  it('a mailbox the app may not send as: the 535 5.7.3 in words', async () => {
    const { idp, env } = await world();
    const sink = await startXOAuth2Sink(idp, { user: 'someone-else@corp.example' });
    closers.push(() => sink.stop());
    const r = await testSmtpConnection({ host: sink.host, port: sink.port, tls: 'opportunistic', auth: auth(idp) }, opts(env));
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('5.7.3');
    expect(r.detail).toContain(microsoftError('535 5.7.3')!.words);
  });
});

describe('testConnection for a Graph destination', () => {
  async function graphWorld() {
    const w = await world();
    const graph = await startFakeGraph({ idp: w.idp, mailboxes: [MAILBOX] });
    closers.push(() => graph.close());
    const q = { mailbox: MAILBOX, tenant: w.idp.tenant, clientId: w.idp.clientId, clientSecretEnv: 'RW_M365_SECRET', tokenUrl: w.idp.url, graphUrl: graph.url };
    return { ...w, graph, q };
  }

  it('the right secret: a Graph token issued for graphUrl’s resource and accepted; nothing sent', async () => {
    const { env, graph, q, idp } = await graphWorld();
    const r = await testGraphConnection(q, opts(env));
    expect(r.ok, r.detail).toBe(true);
    expect(r.detail).toContain('nothing was sent');
    expect(idp.requests.map((x) => x.scope)).toEqual([`${graph.url}/.default`]);
    expect(graph.sent).toHaveLength(0);
    expect(graph.requests).toHaveLength(0);
  });

  it('an app unknown in the tenant: AADSTS700016 in words', async () => {
    const { env, q, idp } = await graphWorld();
    idp.behaviour.fail = 'AADSTS700016';
    const r = await testGraphConnection(q, opts(env));
    expect(r.ok).toBe(false);
    expect(r.detail).toContain(microsoftError('AADSTS700016')!.words);
  });

  it('Graph unreachable: says so, naming the host', async () => {
    const { env, q, graph } = await graphWorld();
    const url = graph.url;
    await graph.close();
    closers.pop();
    const r = await testGraphConnection({ ...q, graphUrl: url }, opts(env));
    expect(r.ok).toBe(false);
    expect(r.detail).toContain(`could not reach ${new URL(url).host}`);
  });
});

describe('the testConnection argument', () => {
  it('still takes { host, port, tls }; takes auth oauth2 and type graph; names the field of a bad one', () => {
    expect(parseArgs('testConnection', { host: 'mx.corp.example', port: 25, tls: 'required' })).toEqual({ host: 'mx.corp.example', port: 25, tls: 'required' });
    expect(parseArgs('testConnection', { host: 'smtp.office365.com', port: 587, tls: 'required', auth: { type: 'oauth2', user: MAILBOX, tenant: 'corp.onmicrosoft.com', clientId: 'abc', clientSecretEnv: 'RW_M365_SECRET' } })).toMatchObject({ auth: { type: 'oauth2' } });
    expect(parseArgs('testConnection', { type: 'graph', mailbox: MAILBOX, tenant: 'corp.onmicrosoft.com', clientId: 'abc', clientSecretEnv: 'RW_M365_SECRET' })).toMatchObject({ type: 'graph' });
    expect(() => parseArgs('testConnection', { type: 'graph', mailbox: MAILBOX, tenant: 'corp.onmicrosoft.com', clientId: 'abc', clientSecretEnv: 'X', graphUrl: 'http://graph.example' })).toThrow(/graphUrl/);
    expect(() => parseArgs('testConnection', { host: 'h', port: 587, tls: 'required', auth: { type: 'oauth2', user: MAILBOX, tenant: 't', clientId: 'c', clientSecret: 'plain' } })).toThrow(/clientSecret/);
  });
});
