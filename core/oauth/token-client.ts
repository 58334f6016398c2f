/**
 * token-client: the OAuth2 client-credentials grant (RFC 6749 §4.4) against a
 * Microsoft identity platform v2.0 token endpoint, with a client secret or a
 * certificate assertion; tokens cached in memory per credential, refreshed
 * before expiry, one request at a time however many deliveries ask.
 */
import { RelayError } from '../errors/relay-error.js';
import { microsoftErrorInWords } from '../../common/microsoft-errors.js';
import { clientAssertion, readCertificateCredential } from './client-assertion.js';
import { DEFAULT_SMTP_SCOPE, isAllowedEndpoint, tokenEndpoint, type OAuthCredential } from './oauth-credential.js';
import type { TokenSource } from './token-source.js';

export interface TokenClientOptions {
  fetch?: typeof fetch;
  /** Clock in ms since the epoch (tests). */
  now?: () => number;
  /** Whole-request limit; the default suits a slow office line. */
  timeoutMs?: number;
  /** Where clientSecretEnv is looked up (default process.env). */
  env?: NodeJS.ProcessEnv;
}

interface CachedToken {
  token: string;
  /** Reused until this instant (ms), which is before the server's expiry. */
  refreshAt: number;
}

/** Refresh 5 minutes before expiry, or half-way for short lifetimes (tests, some providers). */
const REFRESH_MARGIN_MS = 5 * 60_000;

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export class ClientCredentialsTokenSource implements TokenSource {
  private cached: CachedToken | undefined;
  private inflight: Promise<string> | undefined;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private readonly env: NodeJS.ProcessEnv;
  readonly endpoint: string;
  readonly scope: string;

  constructor(
    readonly credential: OAuthCredential,
    opts: TokenClientOptions = {},
  ) {
    this.fetchFn = opts.fetch ?? fetch;
    this.now = opts.now ?? Date.now;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.env = opts.env ?? process.env;
    this.endpoint = tokenEndpoint(credential);
    this.scope = credential.scope ?? DEFAULT_SMTP_SCOPE;
  }

  accessToken(): Promise<string> {
    const c = this.cached;
    if (c && this.now() < c.refreshAt) return Promise.resolve(c.token);
    // Single flight: every caller during a fetch shares its outcome.
    this.inflight ??= this.fetchToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    if (!isAllowedEndpoint(this.endpoint)) {
      throw configError('tokenUrl', `${this.endpoint} must be https:// (http:// only for a loopback address)`);
    }
    const body = new URLSearchParams({ client_id: this.credential.clientId, scope: this.scope, grant_type: 'client_credentials' });
    await this.addClientAuthentication(body);
    const started = this.now();
    let res: Response;
    try {
      res = await this.fetchFn(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const timedOut = (e as Error).name === 'TimeoutError';
      throw new RelayError({
        code: timedOut ? 'ETIMEDOUT' : 'ECONNECTION',
        message: `token endpoint ${new URL(this.endpoint).host} ${timedOut ? 'did not answer in time' : `could not be reached: ${causeText(e)}`}`,
        temporary: true,
        cause: e,
      });
    }
    const text = await res.text().catch(() => '');
    const doc = parseJson(text);
    if (res.ok && doc && typeof doc.access_token === 'string' && doc.access_token) {
      const lifetimeMs = Number(doc.expires_in) * 1000;
      const valid = Number.isFinite(lifetimeMs) && lifetimeMs > 0 ? lifetimeMs : 0;
      this.cached = { token: doc.access_token, refreshAt: started + valid - Math.min(REFRESH_MARGIN_MS, valid / 2) };
      return doc.access_token;
    }
    throw tokenError(res.status, doc, new URL(this.endpoint).host);
  }

  private async addClientAuthentication(body: URLSearchParams): Promise<void> {
    const c = this.credential;
    if (c.certificateFile && c.privateKeyFile) {
      const cert = await readCertificateCredential(c.certificateFile, c.privateKeyFile);
      body.set('client_assertion_type', JWT_BEARER);
      body.set('client_assertion', clientAssertion(cert, c.clientId, this.endpoint, this.now()));
      return;
    }
    const name = c.clientSecretEnv;
    const secret = name ? this.env[name] : undefined;
    if (!name || !secret) throw configError('clientSecretEnv', name ? `environment variable ${name} is not set` : 'is missing');
    body.set('client_secret', secret);
  }
}

function configError(field: string, what: string): RelayError {
  // Temporary: the recipient stays queued while the admin fixes the setting.
  return new RelayError({ code: 'ECONFIG', message: `auth.${field}: ${what}`, temporary: true });
}

function causeText(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The endpoint's refusal as a RelayError. `response` keeps the first line of
 * error_description ("AADSTS7000215: Invalid client secret provided. …"; the
 * rest is trace and correlation IDs), the message says it in words with the
 * fix. Every refusal is temporary: the mail waits while the admin fixes the
 * app registration, as with a refused SMTP login.
 */
function tokenError(status: number, doc: Record<string, unknown> | undefined, host: string): RelayError {
  const description = typeof doc?.error_description === 'string' ? doc.error_description.split(/\r?\n/)[0]!.trim() : '';
  const error = typeof doc?.error === 'string' ? doc.error : '';
  const codes = Array.isArray(doc?.error_codes) ? (doc.error_codes as unknown[]).map((c) => `AADSTS${String(c)}`).join(' ') : '';
  const raw = description || [error, codes].filter(Boolean).join(' ') || `HTTP ${status}`;
  const words = microsoftErrorInWords(`${raw} ${codes}`) ?? (status === 429 ? microsoftErrorInWords('throttled') : undefined);
  const throttledOrDown = status === 429 || status >= 500;
  return new RelayError({
    code: throttledOrDown ? 'ERESPONSE' : 'EAUTH',
    message: words ?? `token endpoint ${host} refused the credential (HTTP ${status}${error ? ` ${error}` : ''})`,
    temporary: true,
    response: `token endpoint ${host}: ${raw}`,
  });
}

/** Per environment (the relay's, or a test's), per credential. */
const shared = new WeakMap<NodeJS.ProcessEnv, Map<string, ClientCredentialsTokenSource>>();

/**
 * The token source for a credential. Without test hooks, one source per
 * credential (and environment) for the whole process, so every destination
 * and every pooled session that uses the same app registration shares one
 * cached token.
 */
export function tokenSourceFor(cred: OAuthCredential, opts: TokenClientOptions = {}): ClientCredentialsTokenSource {
  if (opts.fetch || opts.now || opts.timeoutMs) return new ClientCredentialsTokenSource(cred, opts);
  const env = opts.env ?? process.env;
  let byKey = shared.get(env);
  if (!byKey) {
    byKey = new Map();
    shared.set(env, byKey);
  }
  const key = JSON.stringify([
    tokenEndpoint(cred),
    cred.clientId,
    cred.scope ?? DEFAULT_SMTP_SCOPE,
    cred.clientSecretEnv ?? null,
    cred.certificateFile ?? null,
    cred.privateKeyFile ?? null,
  ]);
  let s = byKey.get(key);
  if (!s) {
    s = new ClientCredentialsTokenSource(cred, { env });
    byKey.set(key, s);
  }
  return s;
}
