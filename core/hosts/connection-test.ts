/**
 * connection-test: "Test connection" of the first-run guide and Settings.
 *
 * Owns: one SMTP conversation with a candidate destination: connect, EHLO,
 * STARTTLS as the TLS mode asks, with an OAuth2 login an access token and
 * AUTH XOAUTH2, then QUIT; reports what the server (or Microsoft's token
 * endpoint) said in words an office admin can act on. It never sends mail.
 * Raises: nothing; failures are results ({ ok: false, detail }).
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { microsoftErrorInWords } from '../../common/microsoft-errors.js';
import type { OAuth2Auth, TestConnectionResult } from '../control/contract.js';
import { loginXOAuth2 } from '../delivery/xoauth2-login.js';
import { smtpConnectionOptions } from '../delivery/smtp-options.js';
import { tokenSourceFor } from '../oauth/token-client.js';

export interface ConnectionTestOptions {
  hostname: string;
  timeoutMs: number;
  /** Where clientSecretEnv is looked up: the relay's own environment, as delivery does. */
  env?: NodeJS.ProcessEnv;
}

/** A Microsoft error (AADSTS…, 5.7.139…) in words and fix, followed by what was said. */
export function inWords(said: string): string {
  const w = microsoftErrorInWords(said);
  return w ? `${w} (${said})` : said;
}

export function testSmtpConnection(
  q: { host: string; port: number; tls: 'none' | 'opportunistic' | 'required'; auth?: OAuth2Auth | undefined },
  opts: ConnectionTestOptions,
): Promise<TestConnectionResult> {
  const started = Date.now();
  // A fresh token source (timeoutMs set): the test asks the token endpoint
  // itself, never answers from another destination's cached token.
  const login = q.auth
    ? { user: q.auth.user, tokens: tokenSourceFor({ ...q.auth }, { env: opts.env ?? process.env, timeoutMs: opts.timeoutMs }) }
    : undefined;
  return new Promise((resolve) => {
    // Delivery's own options, so "the test passed" means delivery will connect too.
    const conn = new SMTPConnection(smtpConnectionOptions({ ...q, auth: login }, { hostname: opts.hostname, connectTimeoutMs: opts.timeoutMs, commandTimeoutMs: opts.timeoutMs }));
    let done = false;
    const finish = (ok: boolean, detail: string): void => {
      if (done) return;
      done = true;
      const tls = conn.secure;
      if (ok) conn.quit();
      else conn.close();
      resolve({ ok, detail, tls, millis: Date.now() - started });
    };
    conn.once('error', (e: Error & { code?: string; response?: string }) => {
      const why =
        e.code === 'ETIMEDOUT' ? `no answer from ${q.host}:${q.port} within ${opts.timeoutMs / 1000} s`
        : e.code === 'EDNS' ? `the name ${q.host} could not be found`
        : e.code === 'ETLS' ? `TLS failed: ${e.message}`
        : e.response ? `the server answered: ${inWords(e.response)}`
        : e.message;
      finish(false, why);
    });
    conn.connect(() => {
      const ready = `connected to ${q.host}:${q.port}${conn.secure ? ' with TLS' : ''}`;
      if (!login) return finish(true, `${ready}; the server is ready`);
      loginXOAuth2(conn, login).then(
        (r) => {
          if (r.ok) finish(true, `${ready}; signed in as ${login.user} with an OAuth2 token (XOAUTH2); nothing was sent`);
          else if ('tokenError' in r) finish(false, `no token from Microsoft: ${inWords(r.tokenError.message)}`);
          else finish(false, `the server refused the login as ${login.user}: ${inWords(r.error.response ?? r.error.message)}`);
        },
        (e: unknown) => finish(false, (e as Error).message),
      );
    });
  });
}
