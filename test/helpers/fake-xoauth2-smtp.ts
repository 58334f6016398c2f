/**
 * fake-xoauth2-smtp: smtp.office365.com as the relay meets it, on the smtp
 * sink: STARTTLS, then AUTH XOAUTH2 accepted only with a token the fake token
 * endpoint issued for the Exchange scope and that has not expired (535 5.7.3
 * otherwise, 535 5.7.139 for a password login, 530 5.7.57 for MAIL without AUTH).
 *
 *   const idp = await startFakeTokenEndpoint({ clientSecret: 's' });
 *   const m365 = await startXOAuth2Sink(idp, { user: 'scanner@corp.example' });
 */
import { DEFAULT_SMTP_SCOPE } from '../../core/oauth/oauth-credential.js';
import type { FakeTokenEndpoint } from './fake-token-endpoint.js';
import { startSmtpSink, type SinkBehaviour, type SmtpSink } from './smtp-sink.js';

export interface XOAuth2SinkOptions extends SinkBehaviour {
  /** The mailbox the app may send as; other users get 535 5.7.3. */
  user?: string;
  /** The scope a token must carry (default Exchange Online's). */
  scope?: string;
}

export function startXOAuth2Sink(idp: FakeTokenEndpoint, opts: XOAuth2SinkOptions = {}): Promise<SmtpSink> {
  const { user, scope = DEFAULT_SMTP_SCOPE, ...behaviour } = opts;
  return startSmtpSink({ starttls: true, ...behaviour, xoauth2: { user, isValidToken: (t) => idp.isValidToken(t, scope) } });
}
