/**
 * certificate-expiry: the warning an admin gets while there is still time to
 * renew an OAuth2 certificate credential (14 days ahead, as issue 13 asks):
 * in the mail log at start and on config changes, and with the host's status.
 */
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import type { Destination } from '../routing/routing-types.js';
import { ClientCredentialsTokenSource } from './token-client.js';

export const CERTIFICATE_WARNING_DAYS = 14;
const DAY_MS = 86_400_000;

/** The sentence for a certificate ending at `notAfter`, or undefined while it has more than 14 days left. */
export function certificateWarning(notAfter: number, file: string, now: number): string | undefined {
  const left = notAfter - now;
  if (left > CERTIFICATE_WARNING_DAYS * DAY_MS) return undefined;
  const date = new Date(notAfter).toISOString().slice(0, 10);
  const what =
    left <= 0
      ? `the OAuth2 certificate ${file} expired on ${date}`
      : `the OAuth2 certificate ${file} expires on ${date} (in ${Math.max(1, Math.floor(left / DAY_MS))} days)`;
  return `${what}; create a new one, upload it to the app registration in Entra ID and point certificateFile and privateKeyFile at it`;
}

/** The warning for a destination's certificate credential, from what its token source last read. */
export function destinationCertificateWarning(dest: Destination | undefined, now: number): string | undefined {
  const tokens = dest?.auth && 'tokens' in dest.auth ? dest.auth.tokens : undefined;
  if (!(tokens instanceof ClientCredentialsTokenSource) || tokens.certificateNotAfter === undefined) return undefined;
  return certificateWarning(tokens.certificateNotAfter, tokens.credential.certificateFile ?? '', now);
}

/** Reads the certificates of these destinations and logs a warning for each that is about to expire. Never rejects. */
export function warnExpiringCertificates(dests: readonly Destination[], log: MailLog, now: () => number = Date.now): void {
  for (const dest of dests) {
    const tokens = dest.auth && 'tokens' in dest.auth ? dest.auth.tokens : undefined;
    if (!(tokens instanceof ClientCredentialsTokenSource) || !tokens.credential.certificateFile) continue;
    tokens
      .readCertificate()
      .then(() => {
        const w = destinationCertificateWarning(dest, now());
        if (w) log.warn(logLines.credentialExpiring(dest.key, w));
      })
      // An unreadable file is reported when a token is needed, naming the field.
      .catch(() => undefined);
  }
}
