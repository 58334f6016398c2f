/**
 * The Microsoft 365 error table: each row found in the text Microsoft really
 * sends, and RFC codes that other servers use left to the RFC 3463 words.
 */
import { describe, expect, it } from 'vitest';
import { MICROSOFT_ERRORS, microsoftError } from '../../common/microsoft-errors.js';
import { errorInWords, errorWords } from '../../renderer/src/lib/smtp-words.js';

const SAMPLES: [text: string, id: string][] = [
  ['535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator. [MN2PR01CA0001.prod.exchangelabs.com]', '5.7.139'],
  ['535 5.7.3 Authentication unsuccessful [SN4PR0601CA0001.namprd06.prod.outlook.com]', '5.7.3'],
  ['530 5.7.57 Client not authenticated to send mail. Error: 535 5.7.139', '5.7.139'],
  ['530 5.7.57 Client not authenticated to send mail [BN6PR11CA0001.namprd11.prod.outlook.com]', '5.7.57'],
  ['550 5.7.60 SMTP; Client does not have permissions to send as this sender', '5.7.60'],
  ['550 5.2.252 Sender throttled due to continuous send as denied errors.', '5.2.252'],
  ['554 5.2.2 mailbox full; STOREDRV.Submission.Exception:SubmissionQuotaExceededException', '5.2.2'],
  ['token endpoint login.microsoftonline.com: AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value', 'AADSTS7000215'],
  ["AADSTS700016: Application with identifier 'x' was not found in the directory 'corp.onmicrosoft.com'.", 'AADSTS700016'],
  ["AADSTS7000222: The provided client secret keys for app 'x' are expired.", 'AADSTS7000222'],
  ['AADSTS7000274: Key was found, but use of the key to verify the signature failed.', 'AADSTS700027'],
  ['432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded', 'throttled'],
  ['ErrorAccessDenied: Access is denied. Check credentials and try again.', 'ErrorAccessDenied'],
];

describe('Microsoft error words', () => {
  it.each(SAMPLES)('%s → %s', (text, id) => {
    const row = microsoftError(text)!;
    expect(row.id).toBe(id);
    expect(row.words.length).toBeGreaterThan(10);
    expect(row.fix.length).toBeGreaterThan(10);
  });

  it('every row is reached by a sample', () => {
    const hit = new Set(SAMPLES.map(([t]) => microsoftError(t)?.id));
    expect(MICROSOFT_ERRORS.filter((r) => !hit.has(r.id) && r.id !== 'AADSTS90002').map((r) => r.id)).toEqual([]);
  });

  it("leaves other servers' codes to the RFC 3463 words", () => {
    expect(microsoftError('552 5.2.2 Mailbox full')).toBeUndefined();
    expect(microsoftError('554 5.7.3 Conversion required but prohibited')).toBeUndefined();
    expect(errorInWords('552-5.2.2 Mailbox full')).toBe('the mailbox is full (permanent)');
  });

  it('the dashboard and notices say them with the fix; refused credentials are kept queued', () => {
    const w = errorWords('token endpoint 127.0.0.1:1: AADSTS7000215: Invalid client secret provided.')!;
    expect(w).toMatchObject({ code: 'AADSTS7000215', temporary: true });
    expect(w.words).toMatch(/^Microsoft refused the client secret .*\. Fix: create a new client secret/);
    expect(errorWords('535 5.7.139 Authentication unsuccessful')).toMatchObject({ code: '5.7.139', temporary: true });
    // A 5xx at MAIL bounces whatever its words.
    expect(errorWords('550 5.7.60 SMTP; Client does not have permissions to send as this sender')).toMatchObject({ temporary: false });
  });
});
