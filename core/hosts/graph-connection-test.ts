/**
 * graph-connection-test: "Test connection" for a Microsoft Graph destination.
 *
 * Owns: an app token for graphUrl's resource (as delivery asks for it), a
 * look at the permissions the token carries, and one authorised GET of the
 * Graph service root (reachable, TLS verified, token accepted). Nothing is
 * sent: sendMail is the only call that could, and it is never made here.
 * Raises: nothing; failures are results ({ ok: false, detail }).
 */
import type { TestConnectionResult } from '../control/contract.js';
import { tokenSourceFor } from '../oauth/token-client.js';
import { inWords, type ConnectionTestOptions } from './connection-test.js';

export interface GraphTestQuery {
  mailbox: string;
  tenant: string;
  clientId: string;
  clientSecretEnv?: string | undefined;
  certificateFile?: string | undefined;
  privateKeyFile?: string | undefined;
  graphUrl?: string | undefined;
  tokenUrl?: string | undefined;
}

/**
 * The application roles a Microsoft access token grants (its `roles` claim),
 * or undefined when the token is not a readable JWT (other issuers, tests).
 * Mail.Send without admin consent leaves the claim out: Graph then answers
 * 403 ErrorAccessDenied to sendMail, which this says before any mail waits.
 */
function rolesOf(token: string): string[] | undefined {
  const part = token.split('.')[1];
  if (token.split('.').length !== 3 || !part) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return undefined;
  }
}

export async function testGraphConnection(q: GraphTestQuery, opts: ConnectionTestOptions): Promise<TestConnectionResult> {
  const started = Date.now();
  const graphUrl = (q.graphUrl ?? 'https://graph.microsoft.com').replace(/\/+$/, '');
  const url = new URL(graphUrl);
  const result = (ok: boolean, detail: string): TestConnectionResult => ({ ok, detail, tls: url.protocol === 'https:', millis: Date.now() - started });
  const tokens = tokenSourceFor(
    { tenant: q.tenant, clientId: q.clientId, clientSecretEnv: q.clientSecretEnv, certificateFile: q.certificateFile, privateKeyFile: q.privateKeyFile, tokenUrl: q.tokenUrl, scope: `${url.origin}/.default` },
    { env: opts.env ?? process.env, timeoutMs: opts.timeoutMs },
  );
  let token: string;
  try {
    token = await tokens.accessToken();
  } catch (e) {
    return result(false, `no token from Microsoft: ${inWords((e as Error).message)}`);
  }
  const roles = rolesOf(token);
  if (roles && !roles.includes('Mail.Send')) {
    return result(false, `the app's token carries no Mail.Send permission: ${inWords(`ErrorAccessDenied (roles: ${roles.join(', ') || 'none'})`)}`);
  }
  try {
    const res = await fetch(`${graphUrl}/v1.0/`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(opts.timeoutMs) });
    const text = await res.text();
    if (res.status === 401 || res.status === 403) {
      const code = /"code"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? String(res.status);
      return result(false, `Microsoft Graph refused the token: ${inWords(code)}`);
    }
    if (res.status >= 500) return result(false, `Microsoft Graph answered ${res.status}: try again later`);
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError';
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return result(false, timedOut ? `no answer from ${url.host} within ${opts.timeoutMs / 1000} s` : `could not reach ${url.host}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
  }
  return result(true, `token for ${q.clientId} issued and accepted by ${url.host}; ${q.mailbox} will send through Microsoft Graph; nothing was sent`);
}
