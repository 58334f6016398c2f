import { describe, expect, it } from 'vitest';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SMTPError } from 'nodemailer/lib/smtp-connection';
import { ERROR_CLASSES, errorInWords, errorWords, type ErrorClass } from '../../common/error-words.js';
import { noticeText } from '../../common/notice-text.js';
import { classify, type Failure } from '../../core/delivery/classify-result.js';
import { openFailure } from '../../core/delivery/session-failure.js';
import { RelayError } from '../../core/errors/relay-error.js';
import type { Destination } from '../../core/routing/routing-types.js';

describe('SMTP errors in words', () => {
  it('uses the enhanced code when there is one (RFC 3463)', () => {
    expect(errorInWords('452 4.3.1')).toBe('the server is out of resources (temporary)');
    expect(errorInWords('452 4.3.1 Insufficient system resources')).toBe('the server is out of resources (temporary)');
    expect(errorInWords('550 5.1.1 <nobody@corp.test>: Recipient address rejected')).toBe('the mailbox does not exist (permanent)');
    expect(errorInWords('552-5.2.2 Mailbox full')).toBe('the mailbox is full (permanent)');
    expect(errorInWords('554 5.4.7 Delivery expired')).toBe('the time allowed for delivery ran out (permanent)');
  });

  it('falls back to the subject of an unknown detail, then to the basic code', () => {
    expect(errorWords('550 5.7.99 policy')?.words).toBe('a security policy refused the message');
    expect(errorInWords('421 Service not available, closing channel')).toBe('the server is busy or shutting down (temporary)');
    expect(errorInWords('535 Authentication failed')).toBe('the server refused the relay’s login (permanent)');
    expect(errorInWords('599 something new')).toBe('the server refused it (permanent)');
  });

  it('names connection failures, which are temporary', () => {
    expect(errorInWords('connect ECONNREFUSED 127.0.0.1:2526')).toBe('the server refused the connection (it may be down) (temporary)');
    expect(errorInWords('Connection timed out after 30000 ms')).toBe('the server did not answer in time (temporary)');
    expect(errorInWords('getaddrinfo ENOTFOUND mail.corp.test')).toBe('the server’s name could not be found (DNS) (temporary)');
    expect(errorInWords('STARTTLS handshake failed: self-signed certificate')).toBe('a secure (TLS) connection could not be set up (temporary)');
    expect(errorInWords('every destination host is down')).toBe('every destination host is down (temporary)');
    expect(errorInWords('probe of 10.1.1.5:25 failed: connect ECONNREFUSED 10.1.1.5:25')).toBe('the server refused the connection (it may be down) (temporary)');
  });

  it('keeps the code for a tooltip and passes unknown text through', () => {
    expect(errorWords('452 4.3.1 Insufficient')?.code).toBe('452 4.3.1');
    expect(errorWords('Bounced by the relay operator')).toEqual({ words: 'Bounced by the relay operator', temporary: null, code: null });
    expect(errorInWords('something odd')).toBe('something odd');
    expect(errorInWords(null)).toBe('');
    expect(errorInWords('   ')).toBe('');
  });
});

/**
 * One wording per error class, on every channel. Each failure is built by the
 * relay's own code (session-failure.ts reads nodemailer's error, classify-result.ts
 * makes the RelayError) and read in both shapes it reaches the screens in: a
 * host's last error (`toLine()`, with the relay's enhanced code first: Overview,
 * Hosts, notifications) and a recipient's (`response ?? message`: Queue).
 */
describe('one wording per error class', () => {
  const dest = { host: '10.1.1.5', port: 25 } as Destination;
  const conn = (o: Partial<{ upgrading: boolean; stage: string; lastServerResponse: string | false }>) =>
    ({ upgrading: false, stage: 'init', lastServerResponse: false, ...o }) as unknown as SMTPConnection;
  const err = (message: string, code: string, originalCode?: string) => Object.assign(new Error(message), { code, originalCode }) as SMTPError;
  const CASES: { cls: ErrorClass; failure: Failure }[] = [
    { cls: 'refused', failure: openFailure(err('connect ECONNREFUSED 10.1.1.5:25', 'ESOCKET', 'ECONNREFUSED'), conn({}), dest, 'connect') },
    { cls: 'unreachable', failure: openFailure(err('connect EHOSTUNREACH 10.1.1.5:25', 'ESOCKET', 'EHOSTUNREACH'), conn({}), dest, 'connect') },
    { cls: 'timeout', failure: openFailure(err('Connection timeout', 'ETIMEDOUT'), conn({}), dest, 'connect') },
    { cls: 'dns', failure: openFailure(err('getaddrinfo ENOTFOUND mail.corp.test', 'EDNS'), conn({}), dest, 'connect') },
    { cls: 'tls', failure: openFailure(err('self-signed certificate in certificate chain', 'ETLS'), conn({ upgrading: true, stage: 'connected', lastServerResponse: '220 ok' }), dest, 'starttls') },
    { cls: 'dropped', failure: openFailure(err('read ECONNRESET', 'ESOCKET', 'ECONNRESET'), conn({ stage: 'connected', lastServerResponse: '250 ok' }), dest, 'ehlo') },
  ];

  it('covers every class of the table that a delivery can produce, plus the scheduler’s', () => {
    const covered = new Set<string>([...CASES.map((c) => c.cls), 'suspended', 'allDown', 'noRoute']);
    expect([...covered].sort()).toEqual(ERROR_CLASSES.map((c) => c.cls).sort());
  });

  it.each(CASES)('$cls: the same words for the host, the recipient and the notification', ({ cls, failure }) => {
    const words = ERROR_CLASSES.find((c) => c.cls === cls)!.words;
    const { error } = classify(failure);
    const hostShape = error.toLine();
    const recipientShape = error.response ?? error.message;
    expect(hostShape).not.toBe(recipientShape); // two real shapes, or the test proves nothing
    expect(errorWords(hostShape)?.words, hostShape).toBe(words);
    expect(errorWords(recipientShape)?.words, recipientShape).toBe(words);
    expect(errorWords(hostShape)?.temporary).toBe(true);
    expect(noticeText.down('Exchange', hostShape, 2, 60_000).body).toBe(`Unreachable for 1m: ${words}. 2 messages waiting for it.`);
  });

  it('words the scheduler’s own reasons by the table too', () => {
    for (const [message, cls] of [
      ['every destination host is down', 'allDown'],
      ['delivery to this route is suspended', 'suspended'],
      ['no destination host for this route', 'noRoute'],
    ] as const) {
      const e = new RelayError({ code: 'ENOHOST', message, enhanced: '4.4.1', temporary: true });
      expect(errorWords(e.toLine())?.words).toBe(ERROR_CLASSES.find((c) => c.cls === cls)!.words);
      expect(errorWords(e.message)?.words).toBe(ERROR_CLASSES.find((c) => c.cls === cls)!.words);
    }
  });
});
