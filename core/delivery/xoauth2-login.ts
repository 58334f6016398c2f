/**
 * xoauth2-login: AUTH XOAUTH2 on an open nodemailer connection with a token
 * from the destination's TokenSource (Microsoft: "Authenticate an IMAP, POP
 * or SMTP connection using OAuth"; the SASL string is
 * base64("user=" user ^A "auth=Bearer " token ^A ^A)).
 */
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SMTPError } from 'nodemailer/lib/smtp-connection';
import { toRelayError, type RelayError } from '../errors/relay-error.js';
import type { OAuth2Login } from '../routing/routing-types.js';

export type XOAuth2Result = { ok: true } | { ok: false; error: SMTPError } | { ok: false; tokenError: RelayError };

function sasl(user: string, token: string): string {
  return Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
}

function attempt(conn: SMTPConnection, login: OAuth2Login, token: string): Promise<SMTPError | undefined> {
  // nodemailer's XOAUTH2 takes a token generator; it asks for a renewed one
  // only after a 334 challenge (Google's style), which Microsoft does not send.
  const oauth2 = {
    getToken(renew: boolean, cb: (err: Error | null, token?: string) => void): void {
      if (!renew) return cb(null, token);
      login.tokens.invalidate();
      login.tokens.accessToken().then(
        (t) => cb(null, t),
        (e: unknown) => cb(e as Error),
      );
    },
    buildXOAuth2Token: (t: string) => sasl(login.user, t),
  };
  return new Promise((resolve) => {
    conn.login({ user: login.user, method: 'XOAUTH2', oauth2 } as unknown as SMTPConnection.AuthenticationOAuth2, (err) => resolve(err ?? undefined));
  });
}

/**
 * Logs in; a refusal of a token from the cache gets one more try with a fresh
 * one (it may have been revoked, or the clocks disagree about its expiry), so
 * a refusal that remains came after a fresh token: the app registration or
 * the mailbox is set up wrongly.
 */
export async function loginXOAuth2(conn: SMTPConnection, login: OAuth2Login): Promise<XOAuth2Result> {
  for (let round = 0; ; round++) {
    let token: string;
    try {
      token = await login.tokens.accessToken();
    } catch (e) {
      return { ok: false, tokenError: toRelayError(e, 'EAUTH') };
    }
    const err = await attempt(conn, login, token);
    if (!err) return { ok: true };
    const refused = /^5\d\d/.test(err.response ?? '');
    if (!refused || round > 0) return { ok: false, error: err };
    login.tokens.invalidate();
  }
}
