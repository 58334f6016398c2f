/**
 * microsoft-errors: the Microsoft 365 / Entra ID errors a small office meets,
 * each in a sentence with the fix, as one data table shared by the core (queue
 * last error, log, CLI) and the dashboard. First matching row wins.
 */

export interface MicrosoftErrorRow {
  /** The code as Microsoft writes it, e.g. "5.7.139" or "AADSTS7000215". */
  id: string;
  test: RegExp;
  /** What happened, in words. */
  words: string;
  /** What the admin does about it. */
  fix: string;
  /**
   * The mail waits for the fix (a refused credential or login, throttling);
   * absent: as the reply's class says (a 5xx at MAIL or DATA bounces).
   */
  queued?: true;
  /** Microsoft refused the relay's credential or its right to send: worth a notice of its own (once per incident). */
  credential?: true;
}

export const MICROSOFT_ERRORS: readonly MicrosoftErrorRow[] = [
  {
    id: 'AADSTS7000215',
    credential: true,
    queued: true,
    test: /\bAADSTS7000215\b/,
    words: 'Microsoft refused the client secret (it is wrong: often the secret ID was copied instead of its value)',
    fix: 'create a new client secret for the app in Entra ID and put its Value in the environment variable named by clientSecretEnv',
  },
  {
    id: 'AADSTS7000222',
    credential: true,
    queued: true,
    test: /\bAADSTS7000222\b/,
    words: 'the client secret has expired',
    fix: 'create a new client secret for the app in Entra ID (Certificates & secrets) and put its Value in the environment variable named by clientSecretEnv',
  },
  {
    id: 'AADSTS700016',
    credential: true,
    queued: true,
    test: /\bAADSTS700016\b/,
    words: 'Microsoft does not know this application in this tenant',
    fix: 'check clientId (the Application (client) ID) and tenant in the destination; the app must be registered in that tenant',
  },
  {
    id: 'AADSTS700027',
    credential: true,
    queued: true,
    test: /\bAADSTS(?:700027|7000274)\b/,
    words: 'Microsoft refused the certificate assertion (the certificate is not registered for this app, or its signature did not verify)',
    fix: 'upload the certificate (certificateFile) to the app in Entra ID under Certificates & secrets, and check privateKeyFile is its key',
  },
  {
    id: 'AADSTS90002',
    credential: true,
    queued: true,
    test: /\bAADSTS90002\b/,
    words: 'Microsoft does not know this tenant',
    fix: 'check tenant in the destination (the tenant ID or a domain such as corp.onmicrosoft.com)',
  },
  {
    id: '5.7.139',
    credential: true,
    queued: true,
    test: /\b5\.7\.139\b/,
    words: 'Microsoft 365 has SMTP AUTH switched off for this tenant or mailbox',
    fix: 'enable it for the mailbox (Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false) or use a Graph destination',
  },
  {
    id: '5.7.3',
    credential: true,
    queued: true,
    test: /\b535[ -]5\.7\.3\b/,
    words: 'Microsoft 365 refused the relay\'s OAuth2 login',
    fix: 'grant the app the SMTP.SendAsApp application permission with admin consent, register its service principal in Exchange (New-ServicePrincipal) and give it FullAccess to the mailbox (Add-MailboxPermission)',
  },
  {
    id: '5.7.57',
    credential: true,
    test: /\b5\.7\.57\b/,
    words: 'Microsoft 365 did not let the relay send without logging in',
    fix: 'set auth on this destination (port 587 with login), or use an IP-based connector on port 25 to the tenant\'s MX host',
  },
  {
    id: '5.7.60',
    test: /\b5\.7\.60\b/,
    words: 'the mailbox the relay logs in as may not send as this From address',
    fix: 'grant it Send As on that address (Add-RecipientPermission <address> -Trustee <mailbox> -AccessRights SendAs) or make the device send from the login mailbox',
  },
  {
    id: '5.2.252',
    test: /\b5\.2\.252\b/,
    words: 'Microsoft 365 stopped this mailbox sending after repeated Send As refusals',
    fix: 'fix the Send As permission (see 5.7.60); sending resumes after Microsoft\'s block period',
  },
  {
    id: '5.2.2',
    // RFC 3463's 5.2.2 is "mailbox full" anywhere; Microsoft's submission quota names itself.
    test: /\b5\.2\.2\b.*(?:SubmissionQuota|quota exceeded)/i,
    words: 'the mailbox has used up its Microsoft 365 sending quota',
    fix: 'wait for the 24-hour window to pass, or spread the mail over several mailboxes; Exchange Online\'s sending limits cannot be raised',
  },
  {
    id: 'ErrorAccessDenied',
    credential: true,
    test: /\bErrorAccessDenied\b/,
    words: 'Microsoft Graph refused to send from this mailbox',
    fix: 'grant the app the Mail.Send application permission with admin consent, and check that no application access policy excludes the mailbox',
  },
  {
    id: 'throttled',
    queued: true,
    test: /\bthrottl|\bApplicationThrottled\b|\bMailboxConcurrency\b|sender thread limit exceeded|\bAADSTS50196\b|\b4\.7\.500\b|\bTooManyRequests\b/i,
    words: 'the server is throttling the relay (too many connections, requests or messages in a short time)',
    fix: 'nothing to change: the relay retries later; if it keeps happening, send less often or spread the mail over several mailboxes',
  },
];

/** The row for a Microsoft error in `text` (an SMTP reply, an AADSTS description, a Graph error code), if any. */
export function microsoftError(text: string | null | undefined): MicrosoftErrorRow | undefined {
  if (!text) return undefined;
  return MICROSOFT_ERRORS.find((r) => r.test.test(text));
}

/** "words: fix" for a Microsoft error in `text`, or undefined. */
export function microsoftErrorInWords(text: string | null | undefined): string | undefined {
  const r = microsoftError(text);
  return r ? `${r.words}. Fix: ${r.fix}` : undefined;
}

/**
 * Microsoft refusing the relay's credential, in words with the fix, or
 * undefined: a credential row (AADSTS7000215/7000222/700016…, 535 5.7.139,
 * 5.7.3, 5.7.57, ErrorAccessDenied), or a Graph 401/403, whose error line
 * already says it in words (core/delivery/graph/graph-answer.ts).
 */
export function credentialRefusal(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  const r = microsoftError(text);
  if (r?.credential) return `${r.words}. Fix: ${r.fix}`;
  if (/\bMicrosoft Graph\b/.test(text) && /\bHTTP 40[13]\b/.test(text)) return text.replace(/^[245]\.\d{1,3}\.\d{1,3} /, '');
  return undefined;
}
