/**
 * End to end over loopback: a destination with `auth.type: oauth2` delivers
 * with SASL XOAUTH2 to a fake smtp.office365.com, with tokens from a fake
 * Microsoft token endpoint: refresh across expiry, pooled sessions that
 * outlive their token, the certificate credential, and refusals (token
 * endpoint or 535) that keep the mail queued and the host Up, in words.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../../cli/run-command.js';
import { microsoftError } from '../../../common/microsoft-errors.js';
import { internalsOf } from '../../../core/relay-internals.js';
import type { Relay } from '../../../core/relay.js';
import { makeAppCertificate, startFakeTokenEndpoint, type FakeTokenEndpoint } from '../../helpers/fake-token-endpoint.js';
import { startXOAuth2Sink } from '../../helpers/fake-xoauth2-smtp.js';
import { finishedMids, fixture, mailLog } from '../../helpers/relay-e2e-harness.js';
import { waitFor } from '../../helpers/relay-harness.js';
import { missingCommand } from '../../helpers/requires.js';
import { sendMail } from '../../helpers/send-mail.js';
import type { SmtpSink } from '../../helpers/smtp-sink.js';
import { until } from '../../helpers/until.js';

const SECRET = 'Zk8Q~e2e-client-secret-value';
process.env.RW_E2E_M365_SECRET = SECRET;
const MAILBOX = 'scanner@corp.example';

const f = fixture();
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await f.cleanup();
  for (const c of closers.splice(0)) await c();
});

async function idpWith(opts: Parameters<typeof startFakeTokenEndpoint>[0]): Promise<FakeTokenEndpoint> {
  const idp = await startFakeTokenEndpoint(opts);
  closers.push(() => idp.close());
  return idp;
}

async function m365(idp: FakeTokenEndpoint, user = MAILBOX): Promise<SmtpSink> {
  const sink = await startXOAuth2Sink(idp, { user });
  closers.push(() => sink.stop());
  return sink;
}

function relayTo(sink: SmtpSink, auth: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<Relay> {
  return f.relay({
    routes: [{ domain: 'corp.test', destinations: [{ host: sink.host, port: sink.port, tls: 'opportunistic', name: 'Microsoft 365', auth }] }],
    bounceProfiles: { default: { initialRetrySeconds: 3600, maxRetrySeconds: 3600 } },
    ...extra,
  });
}

function oauth(idp: FakeTokenEndpoint, extra: Record<string, unknown> = { clientSecretEnv: 'RW_E2E_M365_SECRET' }): Record<string, unknown> {
  return { type: 'oauth2', user: MAILBOX, tenant: idp.tenant, clientId: idp.clientId, tokenUrl: idp.url, ...extra };
}

const firstRecipient = (relay: Relay) => [...internalsOf(relay).queue.messagesInOrder()][0]?.recipients[0];

describe('OAuth2 SMTP (XOAUTH2) end to end', () => {
  it('refreshes the token across its expiry: a later connection logs in with a second token; both messages arrive', async () => {
    const idp = await idpWith({ clientSecret: SECRET, lifetimeSeconds: 2 });
    const sink = await m365(idp);
    // Idle connections close after 0.2 s: the second message needs a new login.
    const relay = await relayTo(sink, oauth(idp), { delivery: { idleConnectionSeconds: 0.2 } });
    const done = finishedMids(relay);

    await sendMail(relay.smtp.port, { from: 'printer@office.test', to: ['a@corp.test'] });
    await waitFor(relay, () => done.length === 1, 'first delivered');
    const first = idp.tokens[0]!;
    await until(() => !idp.isValidToken(first), 'the first token to expire', 5000);

    await sendMail(relay.smtp.port, { from: 'printer@office.test', to: ['b@corp.test'] });
    await waitFor(relay, () => done.length === 2, 'second delivered');
    expect(sink.messages.map((m) => m.to)).toEqual([['a@corp.test'], ['b@corp.test']]);
    expect(sink.messages.every((m) => m.user === MAILBOX && m.secure)).toBe(true);
    expect(idp.requests.filter((r) => r.status === 200)).toHaveLength(2);
    expect(sink.stats.connections).toBe(2);
    expect(sink.stats.xoauth2Logins).toBe(2);
    // Neither the secret nor a token reaches the mail log.
    const log = await mailLog(relay);
    for (const t of [SECRET, ...idp.tokens]) expect(log).not.toContain(t);
  });

  it('a pooled session outlives its token: the next message goes over it, no new login, no failure', async () => {
    const idp = await idpWith({ clientSecret: SECRET, lifetimeSeconds: 1 });
    const sink = await m365(idp);
    const relay = await relayTo(sink, oauth(idp), { delivery: { idleConnectionSeconds: 30 } });
    const done = finishedMids(relay);

    await sendMail(relay.smtp.port, { from: 'printer@office.test', to: ['a@corp.test'] });
    await waitFor(relay, () => done.length === 1, 'first delivered');
    await until(() => !idp.isValidToken(idp.tokens[0]!), 'the token to expire', 5000);
    await sendMail(relay.smtp.port, { from: 'printer@office.test', to: ['b@corp.test'] });
    await waitFor(relay, () => done.length === 2, 'second delivered');
    expect(sink.messages).toHaveLength(2);
    expect(sink.stats.connections).toBe(1);
    expect(idp.requests).toHaveLength(1);
  });

  it('a wrong client secret: the recipient stays queued with AADSTS7000215 in words, the host is not Down, nothing is sent', async () => {
    const idp = await idpWith({ clientSecret: 'the-real-secret' });
    const sink = await m365(idp);
    const relay = await relayTo(sink, oauth(idp));

    await sendMail(relay.smtp.port, { from: 'printer@office.test', to: ['a@corp.test'] });
    await waitFor(relay, () => firstRecipient(relay)?.lastError !== undefined, 'the attempt to end');
    const r = firstRecipient(relay)!;
    expect(r.state).toBe('queued');
    expect(r.lastError?.code).toBe('EAUTH');
    expect(r.lastError?.response).toMatch(/AADSTS7000215: Invalid client secret provided/);
    expect(r.lastError?.message).toMatch(/client secret.*Fix: create a new client secret/);

    const rows = await relay.control.showrecipients({});
    expect(microsoftError(rows.items[0]!.lastError)?.id).toBe('AADSTS7000215');
    const host = await relay.control.hoststatus({ host: 'Microsoft 365' });
    expect(host.status).not.toBe('down');
    expect(host.history.some((h) => h.status === 'down')).toBe(false);
    expect(microsoftError(host.lastError)?.id).toBe('AADSTS7000215');
    // What the admin reads in `relaywatch hoststatus`.
    let out = '';
    const code = await runCommand(['hoststatus', 'Microsoft 365', '--data-dir', relay.paths.root], { stdout: (t) => (out += t), stderr: (t) => (out += t) });
    expect(code).toBe(0);
    expect(out).toMatch(/Last error: +token endpoint 127\.0\.0\.1:\d+: AADSTS7000215: Invalid client secret provided/);
    expect(out).toMatch(/Meaning: +Microsoft refused the client secret/);
    expect(out).toMatch(/Fix: +create a new client secret for the app in Entra ID/);
    expect(sink.stats.xoauth2Logins).toBe(0);
    expect(sink.messages).toHaveLength(0);
    expect(JSON.stringify(host)).not.toContain('the-real-secret');
  });

  it('535 5.7.3 after a fresh token (mailbox not allowed): queued, host Up, one retry with a fresh token only', async () => {
    const idp = await idpWith({ clientSecret: SECRET });
    const sink = await m365(idp, 'someone-else@corp.example');
    const relay = await relayTo(sink, oauth(idp));

    await sendMail(relay.smtp.port, { from: 'printer@office.test', to: ['a@corp.test'] });
    await waitFor(relay, () => firstRecipient(relay)?.lastError !== undefined, 'the attempt to end');
    const r = firstRecipient(relay)!;
    expect(r.state).toBe('queued');
    expect(r.lastError?.response).toMatch(/^535 5\.7\.3 /);
    expect(sink.stats.xoauth2Logins).toBe(2);
    expect(idp.requests).toHaveLength(2);
    const host = await relay.control.hoststatus({ host: 'Microsoft 365' });
    expect(host.status).toBe('up');
    expect(host.lastError).toMatch(/535 5\.7\.3/);
    expect(microsoftError(host.lastError)?.words).toMatch(/refused the relay's OAuth2 login/);
  });

  it('a password login where Microsoft has basic authentication off: 5.7.139 in words, queued, host Up', async () => {
    const idp = await idpWith({ clientSecret: SECRET });
    const sink = await m365(idp);
    const relay = await relayTo(sink, { user: MAILBOX, passEnv: 'RW_E2E_M365_SECRET' });

    await sendMail(relay.smtp.port, { from: 'printer@office.test', to: ['a@corp.test'] });
    await waitFor(relay, () => firstRecipient(relay)?.lastError !== undefined, 'the attempt to end');
    expect(firstRecipient(relay)!.state).toBe('queued');
    const host = await relay.control.hoststatus({ host: 'Microsoft 365' });
    expect(host.status).toBe('up');
    expect(microsoftError(host.lastError)?.fix).toMatch(/Set-CASMailbox/);
  });

  it.skipIf(missingCommand('openssl', 'Debian package openssl'))('certificate credential: the client assertion is verified and the message delivered', async () => {
    const dir = await f.dir();
    const cert = await makeAppCertificate(dir, 365);
    const idp = await idpWith({ certificatePem: cert.certificatePem });
    const sink = await m365(idp);
    const relay = await relayTo(sink, oauth(idp, { certificateFile: cert.certificateFile, privateKeyFile: cert.privateKeyFile }));
    const done = finishedMids(relay);

    await sendMail(relay.smtp.port, { from: 'printer@office.test', to: ['a@corp.test'] });
    await waitFor(relay, () => done.length === 1, 'delivered');
    expect(sink.messages).toHaveLength(1);
    expect(idp.requests).toEqual([expect.objectContaining({ credential: 'assertion', status: 200 })]);
  });
});
