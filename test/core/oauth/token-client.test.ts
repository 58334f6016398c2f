/**
 * The token client against the fake Microsoft token endpoint over real HTTP:
 * secret and certificate credentials, caching, refresh, single flight, and
 * Microsoft's refusals in words.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { RelayError } from '../../../core/errors/relay-error.js';
import { ClientCredentialsTokenSource, tokenSourceFor } from '../../../core/oauth/token-client.js';
import { makeAppCertificate, startFakeTokenEndpoint, type FakeTokenEndpoint } from '../../helpers/fake-token-endpoint.js';
import { missingCommand, skipAllUnless } from '../../helpers/requires.js';
import { tempDir, type TempDir } from '../../helpers/temp-dir.js';

const SECRET = 'Qx8~not-a-real-secret.value';
process.env.RW_TEST_TOKEN_SECRET = SECRET;
const envCred = { clientSecretEnv: 'RW_TEST_TOKEN_SECRET' };

let idp: FakeTokenEndpoint;
afterEach(async () => idp?.close());

async function refusal(p: Promise<unknown>): Promise<RelayError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RelayError);
  return e as RelayError;
}

describe('client secret', () => {
  it('fetches a token once and reuses it until shortly before expiry', async () => {
    idp = await startFakeTokenEndpoint({ clientSecret: SECRET, lifetimeSeconds: 4 });
    let skew = 0;
    const src = new ClientCredentialsTokenSource(idp.credential(envCred), { now: () => Date.now() + skew });
    const a = await src.accessToken();
    expect(idp.isValidToken(a, 'https://outlook.office365.com/.default')).toBe(true);
    expect(await src.accessToken()).toBe(a);
    expect(idp.requests).toHaveLength(1);
    expect(idp.requests[0]).toMatchObject({ grantType: 'client_credentials', credential: 'secret', clientId: idp.clientId });
    // Half of a 4 s lifetime later the token is due for refresh (5 minutes before a real one's expiry).
    skew = 2500;
    const b = await src.accessToken();
    expect(b).not.toBe(a);
    expect(idp.requests).toHaveLength(2);
  });

  it('shares one request among concurrent callers', async () => {
    idp = await startFakeTokenEndpoint({ clientSecret: SECRET });
    const src = new ClientCredentialsTokenSource(idp.credential(envCred), { now: Date.now });
    const tokens = await Promise.all(Array.from({ length: 8 }, () => src.accessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(idp.requests).toHaveLength(1);
  });

  it('invalidate() makes the next call fetch a fresh token', async () => {
    idp = await startFakeTokenEndpoint({ clientSecret: SECRET });
    const src = new ClientCredentialsTokenSource(idp.credential(envCred), { now: Date.now });
    const a = await src.accessToken();
    src.invalidate();
    expect(await src.accessToken()).not.toBe(a);
    expect(idp.requests).toHaveLength(2);
  });

  it('passes the scope it is given (Graph)', async () => {
    idp = await startFakeTokenEndpoint({ clientSecret: SECRET });
    const src = tokenSourceFor(idp.credential({ ...envCred, scope: 'https://graph.microsoft.com/.default' }));
    const t = await src.accessToken();
    expect(idp.isValidToken(t, 'https://graph.microsoft.com/.default')).toBe(true);
    expect(idp.isValidToken(t, 'https://outlook.office365.com/.default')).toBe(false);
    // The process-wide source for the same credential is the same object: one cached token.
    expect(tokenSourceFor(idp.credential({ ...envCred, scope: 'https://graph.microsoft.com/.default' }))).toBe(src);
  });

  it.each([
    ['AADSTS7000215', { clientSecret: 'another-secret' }, /client secret/, 401],
    ['AADSTS7000222', { clientSecret: SECRET, expired: true }, /expired/, 401],
    ['AADSTS700016', { clientSecret: SECRET, clientId: 'wrong' }, /does not know this application/, 400],
  ] as const)('%s is a temporary EAUTH refusal in words with the fix, the secret nowhere', async (code, setup, words, status) => {
    idp = await startFakeTokenEndpoint({ clientSecret: setup.clientSecret });
    if ('expired' in setup) idp.behaviour.expiredSecret = true;
    const cred = idp.credential(envCred);
    if ('clientId' in setup) cred.clientId = setup.clientId;
    const e = await refusal(new ClientCredentialsTokenSource(cred, { now: Date.now }).accessToken());
    expect(idp.requests[0]!.status).toBe(status);
    expect(e.code).toBe('EAUTH');
    expect(e.temporary).toBe(true);
    expect(e.message).toMatch(words);
    expect(e.message).toMatch(/Fix: /);
    expect(e.toLine()).toContain(`${code}: `);
    expect(e.toLine()).not.toMatch(/Trace ID/);
    expect(JSON.stringify(e)).not.toContain(SECRET);
  });

  it('a missing environment variable is a config error naming the field, and nothing is sent', async () => {
    idp = await startFakeTokenEndpoint({ clientSecret: SECRET });
    const e = await refusal(new ClientCredentialsTokenSource(idp.credential({ clientSecretEnv: 'RW_TEST_UNSET_VAR' }), { now: Date.now }).accessToken());
    expect(e.code).toBe('ECONFIG');
    expect(e.message).toBe('auth.clientSecretEnv: environment variable RW_TEST_UNSET_VAR is not set');
    expect(idp.requests).toHaveLength(0);
  });

  it('refuses http:// to a host that is not loopback before sending the secret', async () => {
    let called = false;
    const fetchSpy: typeof fetch = () => {
      called = true;
      return Promise.reject(new Error('must not be called'));
    };
    const src = new ClientCredentialsTokenSource({ tenant: 't', clientId: 'c', ...envCred, tokenUrl: 'http://login.example.com/t/token' }, { fetch: fetchSpy });
    const e = await refusal(src.accessToken());
    expect(e.code).toBe('ECONFIG');
    expect(e.message).toMatch(/^auth\.tokenUrl: .*https:\/\//);
    expect(called).toBe(false);
  });

  it('throttling (429) is temporary, in words', async () => {
    idp = await startFakeTokenEndpoint({ clientSecret: SECRET });
    idp.behaviour.status = 429;
    const e = await refusal(new ClientCredentialsTokenSource(idp.credential(envCred), { now: Date.now }).accessToken());
    expect(e.temporary).toBe(true);
    expect(e.message).toMatch(/throttling/);
  });
});

describe('certificate credential', () => {
  skipAllUnless(missingCommand('openssl', 'Debian package openssl'));
  let dir: TempDir;
  let cert: Awaited<ReturnType<typeof makeAppCertificate>>;
  let other: Awaited<ReturnType<typeof makeAppCertificate>>;
  beforeAll(async () => {
    dir = await tempDir('rw-oauth-cert-');
    cert = await makeAppCertificate(dir.dir, 365);
    other = await makeAppCertificate(dir.dir, 30);
  });
  afterAll(async () => dir?.remove());

  it('signs a client assertion the endpoint verifies against the registered certificate', async () => {
    idp = await startFakeTokenEndpoint({ certificatePem: cert.certificatePem });
    const src = new ClientCredentialsTokenSource(idp.credential({ certificateFile: cert.certificateFile, privateKeyFile: cert.privateKeyFile }), { now: Date.now });
    const t = await src.accessToken();
    expect(idp.isValidToken(t)).toBe(true);
    expect(idp.requests[0]).toMatchObject({ credential: 'assertion', status: 200 });
  });

  it('a key that does not match the registered certificate is refused (signature check)', async () => {
    idp = await startFakeTokenEndpoint({ certificatePem: cert.certificatePem });
    // The registered certificate's thumbprint, but signed with another key.
    const src = new ClientCredentialsTokenSource(idp.credential({ certificateFile: cert.certificateFile, privateKeyFile: other.privateKeyFile }), { now: Date.now });
    const e = await refusal(src.accessToken());
    expect(idp.requests[0]).toMatchObject({ credential: 'assertion', status: 401, code: 7000274 });
    expect(e.code).toBe('EAUTH');
    expect(e.message).toMatch(/privateKeyFile is its key/);
  });

  it('a certificate that is not registered on the app is refused in words', async () => {
    idp = await startFakeTokenEndpoint({ certificatePem: cert.certificatePem });
    const src = new ClientCredentialsTokenSource(idp.credential({ certificateFile: other.certificateFile, privateKeyFile: other.privateKeyFile }), { now: Date.now });
    const e = await refusal(src.accessToken());
    expect(idp.requests[0]).toMatchObject({ status: 401, code: 700027 });
    expect(e.message).toMatch(/certificate/);
  });

  it('an unreadable key file is a config error naming the field', async () => {
    idp = await startFakeTokenEndpoint({ certificatePem: cert.certificatePem });
    const src = new ClientCredentialsTokenSource(idp.credential({ certificateFile: cert.certificateFile, privateKeyFile: `${dir.dir}/missing.pem` }), { now: Date.now });
    const e = await refusal(src.accessToken());
    expect(e.code).toBe('ECONFIG');
    expect(e.message).toMatch(/^auth\.privateKeyFile: cannot read /);
  });
});
