/**
 * fake-token-endpoint: the Microsoft identity platform v2.0 token endpoint
 * (client-credentials grant) over real HTTP on loopback, as documented:
 *
 *   const idp = await startFakeTokenEndpoint({ clientSecret: 's3cret' });
 *   idp.credential({ clientSecretEnv: 'RW_TEST_SECRET' })  // an OAuthCredential for it
 *   idp.isValidToken(token, scope?)                          // for the fake servers
 *   idp.behaviour.lifetimeSeconds = 3; idp.behaviour.expiredSecret = true;
 *
 * Request: POST /{tenant}/oauth2/v2.0/token, application/x-www-form-urlencoded,
 * client_id, scope (must end in /.default), grant_type=client_credentials, and
 * client_secret or client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
 * + client_assertion. The assertion's RS256/PS256 signature is verified against
 * the registered certificate (found by its x5t#S256 or x5t thumbprint), with
 * aud = this endpoint, iss = sub = client_id, nbf/exp around now, jti unused.
 * Answers: 200 {token_type: Bearer, expires_in, ext_expires_in, access_token},
 * or errors {error, error_description "AADSTSnnn: …\r\nTrace ID: …", error_codes,
 * timestamp, trace_id, correlation_id} with Microsoft's codes and statuses.
 */
import { X509Certificate, createHash, randomBytes, randomUUID, verify, constants } from 'node:crypto';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { OAuthCredential } from '../../core/oauth/oauth-credential.js';

export interface FakeTokenBehaviour {
  /** expires_in of the tokens issued (Microsoft: 3599). */
  lifetimeSeconds: number;
  /** The registered secret has passed its end date: AADSTS7000222 for the right secret. */
  expiredSecret: boolean;
  /** Answer every request with this AADSTS error, whatever the credential. */
  fail?: 'AADSTS7000215' | 'AADSTS700016' | 'AADSTS7000222' | undefined;
  /** Answer 429 (throttling) or 503 with Retry-After instead. */
  status?: 429 | 503 | undefined;
}

export interface TokenRequestRecord {
  clientId: string;
  scope: string;
  grantType: string;
  credential: 'secret' | 'assertion' | 'none';
  /** The HTTP status answered. */
  status: number;
  /** The AADSTS code of an error answer. */
  code?: number | undefined;
}

export interface FakeTokenEndpointOptions {
  tenant?: string;
  clientId?: string;
  /** The app's client secret; omit for an app with only a certificate. */
  clientSecret?: string;
  /** PEM certificate registered on the app (for client assertions). */
  certificatePem?: string;
  lifetimeSeconds?: number;
}

export interface FakeTokenEndpoint {
  readonly url: string;
  readonly tenant: string;
  readonly clientId: string;
  readonly behaviour: FakeTokenBehaviour;
  /** Every request, in order. */
  readonly requests: TokenRequestRecord[];
  /** Number of access tokens issued. */
  issued(): number;
  /** The access tokens issued, in order. */
  readonly tokens: string[];
  /** True for a token this endpoint issued that has not expired (and, when given, was issued for this scope). */
  isValidToken(token: string, scope?: string): boolean;
  /** An OAuthCredential pointing at this endpoint. */
  credential(extra: Partial<OAuthCredential>): OAuthCredential;
  close(): Promise<void>;
}

interface Issued {
  expiresAt: number;
  scope: string;
}

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Microsoft's wording of the errors the relay maps (first line of error_description). */
function errorFor(code: number, clientId: string, tenant: string): { status: number; error: string; text: string } {
  switch (code) {
    case 7000215:
      return { status: 401, error: 'invalid_client', text: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.` };
    case 7000222:
      return { status: 401, error: 'invalid_client', text: `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.` };
    case 700016:
      return { status: 400, error: 'unauthorized_client', text: `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.` };
    case 700027:
      return { status: 401, error: 'invalid_client', text: 'Client assertion failed signature validation.' };
    case 700024:
      return { status: 400, error: 'invalid_client', text: 'Client assertion is not within its valid time range.' };
    case 7000274:
      return { status: 401, error: 'invalid_client', text: "Key was found, but use of the key to verify the signature failed." };
    case 70011:
      return { status: 400, error: 'invalid_scope', text: "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid." };
    case 70003:
      return { status: 400, error: 'unsupported_grant_type', text: 'The app requested an unsupported grant type.' };
    case 50196:
      return { status: 429, error: 'temporarily_unavailable', text: 'The server terminated an operation because it encountered a client request loop.' };
    default:
      return { status: 400, error: 'invalid_request', text: 'The request body must contain the following parameter: \'client_secret\' or \'client_assertion\'.' };
  }
}

export async function startFakeTokenEndpoint(opts: FakeTokenEndpointOptions = {}): Promise<FakeTokenEndpoint> {
  const tenant = opts.tenant ?? 'corp.onmicrosoft.com';
  const clientId = opts.clientId ?? randomUUID();
  const cert = opts.certificatePem ? new X509Certificate(opts.certificatePem) : undefined;
  const thumbs = cert
    ? { x5t: createHash('sha1').update(cert.raw).digest('base64url'), s256: createHash('sha256').update(cert.raw).digest('base64url') }
    : undefined;
  const behaviour: FakeTokenBehaviour = { lifetimeSeconds: opts.lifetimeSeconds ?? 3599, expiredSecret: false };
  const requests: TokenRequestRecord[] = [];
  const tokens = new Map<string, Issued>();
  const issuedTokens: string[] = [];
  const seenJti = new Set<string>();
  const path = `/${tenant}/oauth2/v2.0/token`;
  let url = '';

  function sendError(res: ServerResponse, rec: TokenRequestRecord, code: number): void {
    const e = errorFor(code, rec.clientId, tenant);
    const traceId = randomUUID();
    const correlationId = randomUUID();
    const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    rec.status = e.status;
    rec.code = code;
    res.writeHead(e.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache', pragma: 'no-cache' });
    res.end(
      JSON.stringify({
        error: e.error,
        error_description: `AADSTS${code}: ${e.text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
        error_codes: [code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `https://login.microsoftonline.com/error?code=${code}`,
      }),
    );
  }

  /** The AADSTS code that refuses this assertion, or 0 when it is good. */
  function checkAssertion(jwt: string, client: string): number {
    if (!cert || !thumbs) return 700027;
    const parts = jwt.split('.');
    if (parts.length !== 3) return 700027;
    let header: Record<string, unknown>, claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return 700027;
    }
    if (header['x5t#S256'] !== thumbs.s256 && header.x5t !== thumbs.x5t) return 700027; // key not registered
    const data = Buffer.from(`${parts[0]}.${parts[1]}`);
    const sig = Buffer.from(parts[2]!, 'base64url');
    const key = cert.publicKey;
    const ok =
      header.alg === 'RS256'
        ? verify('sha256', data, key, sig)
        : header.alg === 'PS256'
          ? verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig)
          : false;
    if (!ok) return 7000274;
    const now = Date.now() / 1000;
    if (claims.aud !== url || claims.iss !== client || claims.sub !== client) return 700027;
    if (typeof claims.exp !== 'number' || typeof claims.nbf !== 'number' || claims.exp <= now || claims.nbf > now + 300) return 700024;
    if (typeof claims.jti !== 'string' || seenJti.has(claims.jti)) return 700027; // a replayed assertion
    seenJti.add(claims.jti);
    return 0;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const rec: TokenRequestRecord = {
      clientId: form.get('client_id') ?? '',
      scope: form.get('scope') ?? '',
      grantType: form.get('grant_type') ?? '',
      credential: form.has('client_assertion') ? 'assertion' : form.has('client_secret') ? 'secret' : 'none',
      status: 200,
    };
    requests.push(rec);
    if (behaviour.status) {
      rec.status = behaviour.status;
      if (behaviour.status === 429) return sendError(res.setHeader('retry-after', '1'), rec, 50196);
      res.writeHead(503, { 'retry-after': '1' }).end();
      return;
    }
    if (behaviour.fail) return sendError(res, rec, Number(behaviour.fail.slice(6)));
    if (!/^application\/x-www-form-urlencoded\b/.test(req.headers['content-type'] ?? '')) return sendError(res, rec, 900144);
    if (rec.grantType !== 'client_credentials') return sendError(res, rec, 70003);
    if (rec.clientId !== clientId) return sendError(res, rec, 700016);
    if (!rec.scope.endsWith('/.default')) return sendError(res, rec, 70011);
    if (rec.credential === 'assertion') {
      if (form.get('client_assertion_type') !== JWT_BEARER) return sendError(res, rec, 900144);
      const code = checkAssertion(form.get('client_assertion') ?? '', rec.clientId);
      if (code) return sendError(res, rec, code);
    } else if (rec.credential === 'secret') {
      if (opts.clientSecret === undefined || form.get('client_secret') !== opts.clientSecret) return sendError(res, rec, 7000215);
      if (behaviour.expiredSecret) return sendError(res, rec, 7000222);
    } else return sendError(res, rec, 900144);
    const token = `eyJ0eXAiOiJKV1QifQ.${randomBytes(32).toString('base64url')}`;
    issuedTokens.push(token);
    tokens.set(token, { expiresAt: Date.now() + behaviour.lifetimeSeconds * 1000, scope: rec.scope });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache', pragma: 'no-cache' });
    res.end(JSON.stringify({ token_type: 'Bearer', expires_in: behaviour.lifetimeSeconds, ext_expires_in: behaviour.lifetimeSeconds, access_token: token }));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}${path}`;

  return {
    url,
    tenant,
    clientId,
    behaviour,
    requests,
    issued: () => tokens.size,
    tokens: issuedTokens,
    isValidToken(token, scope) {
      const t = tokens.get(token);
      return !!t && Date.now() < t.expiresAt && (scope === undefined || t.scope === scope);
    },
    credential: (extra) => ({ tenant, clientId, tokenUrl: url, ...extra }),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/**
 * An app registration's certificate as an admin makes it (`openssl req -x509`,
 * RSA 2048, as Entra ID requires for RS256), written to `dir` as cert.pem and
 * key.pem; valid for `days`.
 */
export async function makeAppCertificate(dir: string, days = 365): Promise<{ certificateFile: string; privateKeyFile: string; certificatePem: string }> {
  const certificateFile = join(dir, `app-cert-${days}.pem`);
  const privateKeyFile = join(dir, `app-key-${days}.pem`);
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(days), '-subj', '/CN=relaywatch-test-app',
    '-keyout', privateKeyFile, '-out', certificateFile,
  ]);
  return { certificateFile, privateKeyFile, certificatePem: await readFile(certificateFile, 'utf8') };
}
