import { describe, expect, it } from 'vitest';
import { errorInWords, errorWords } from '../../../renderer/src/lib/smtp-words.js';

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
