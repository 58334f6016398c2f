/**
 * certificate-expiry: the warning an admin gets while there is still time to
 * renew an OAuth2 certificate credential (14 days ahead, as issue 13 asks):
 * in the mail log at start, on config changes and once a day, and with the
 * host's status (window, tray, notification); and the expired client secret's.
 */
import { microsoftError } from '../../common/microsoft-errors.js';
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

/** The token source of an OAuth2 destination: an XOAUTH2 login's, or a Graph destination's. */
function tokenSourceOf(dest: Destination | undefined): ClientCredentialsTokenSource | undefined {
  const tokens = dest?.graph?.tokens ?? (dest?.auth && 'tokens' in dest.auth ? dest.auth.tokens : undefined);
  return tokens instanceof ClientCredentialsTokenSource ? tokens : undefined;
}

/** The warning for a destination's certificate credential, from what its token source last read. */
export function destinationCertificateWarning(dest: Destination | undefined, now: number): string | undefined {
  const tokens = tokenSourceOf(dest);
  if (!tokens || tokens.certificateNotAfter === undefined) return undefined;
  return certificateWarning(tokens.certificateNotAfter, tokens.credential.certificateFile ?? '', now);
}

/**
 * The warning for a client secret Microsoft says has expired (AADSTS7000222), from
 * the host's last error while its credential is refused. A secret's end date is not readable with the secret itself
 * (only through the app registration, which needs more permissions than sending), so
 * the expiry is known when Microsoft reports it; the window, tray and log say so then.
 */
export function expiredSecretWarning(lastError: string | undefined): string | undefined {
  const row = microsoftError(lastError);
  return row?.id === 'AADSTS7000222' ? `${row.words}; ${row.fix}` : undefined;
}

/**
 * Re-reads the certificates every `everyMs` (default a day) and logs each warning
 * again: a relay that runs for months must still say so when one enters its last 14
 * days. Returns the function that stops it.
 */
export function watchExpiringCertificates(dests: () => readonly Destination[], log: MailLog, everyMs = DAY_MS, now: () => number = Date.now): () => void {
  const timer = setInterval(() => warnExpiringCertificates(dests(), log, now), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Reads the certificates of these destinations and logs a warning for each that is about to expire. Never rejects. */
export function warnExpiringCertificates(dests: readonly Destination[], log: MailLog, now: () => number = Date.now): void {
  for (const dest of dests) {
    const tokens = tokenSourceOf(dest);
    if (!tokens?.credential.certificateFile) continue;
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
