import { describe, expect, it } from 'vitest';
import { diagnosticFor, ndrStatusFor, reasonInWords } from '../../../core/bounce/dsn-status.js';
import { RelayError } from '../../../core/errors/relay-error.js';

describe('ndrStatusFor', () => {
  const err = (over: Partial<ConstructorParameters<typeof RelayError>[0]>): RelayError =>
    new RelayError({ code: 'ERESPONSE', message: 'x', temporary: false, ...over });

  it('prefers the error’s own enhanced status, as object or serialized', () => {
    expect(ndrStatusFor(err({ enhanced: '5.1.1', smtpCode: 550 }), '5.0.0')).toBe('5.1.1');
    expect(ndrStatusFor(err({ enhanced: '5.1.1', smtpCode: 550 }).toJSON(), '5.0.0')).toBe('5.1.1');
  });

  it('reads the status out of the reply when the error has none or an invalid one', () => {
    expect(ndrStatusFor(err({ smtpCode: 552, response: '552 5.2.2 Mailbox full' }), '5.0.0')).toBe('5.2.2');
    expect(ndrStatusFor(err({ enhanced: '9.9', smtpCode: 550, response: '550-5.7.1 Denied' }), '5.0.0')).toBe('5.7.1');
  });

  it('uses the fallback only when it has the error’s class', () => {
    const expired = err({ code: 'ECONNECTION', temporary: true, smtpCode: 421, response: '421 Service not available' });
    expect(ndrStatusFor(expired, '4.4.7')).toBe('4.4.7');
    expect(ndrStatusFor(expired, '5.0.0')).toBe('4.4.1');
    expect(ndrStatusFor(err({ smtpCode: 554, response: '554 go away' }), '4.4.7')).toBe('5.0.0');
    expect(ndrStatusFor(err({ smtpCode: 554 }), 'nonsense')).toBe('5.0.0');
  });

  it('derives the detail from the error code when there is no reply', () => {
    expect(ndrStatusFor(err({ code: 'EDNS', temporary: true }), '5.0.0')).toBe('4.4.3');
    expect(ndrStatusFor(err({ code: 'EAUTH', temporary: false }), '4.4.7')).toBe('5.7.8');
    expect(ndrStatusFor(err({ code: 'ESHUTDOWN', temporary: true }), '5.0.0')).toBe('4.3.2');
  });
});

describe('diagnosticFor', () => {
  it('quotes an SMTP reply as diagnostic-type smtp, on one line', () => {
    const e = new RelayError({
      code: 'ERESPONSE',
      message: 'rejected',
      smtpCode: 550,
      enhanced: '5.1.1',
      temporary: false,
      response: '550-5.1.1 <x@y>: user unknown\r\n550 5.1.1 see the help desk',
    });
    expect(diagnosticFor(e)).toBe('smtp; 550-5.1.1 <x@y>: user unknown 550 5.1.1 see the help desk');
  });

  it('builds the smtp diagnostic from the parts when the reply text was not kept', () => {
    const e = new RelayError({ code: 'ERESPONSE', message: 'user unknown', smtpCode: 550, enhanced: '5.1.1', temporary: false });
    expect(diagnosticFor(e.toJSON())).toBe('smtp; 550 5.1.1 user unknown');
  });

  it('uses X-Relaywatch for our own reasons', () => {
    const e = new RelayError({ code: 'EOPERATOR', message: 'Bounced by the relay operator', enhanced: '5.0.0', temporary: false });
    expect(diagnosticFor(e)).toBe('X-Relaywatch; Bounced by the relay operator');
    const c = new RelayError({ code: 'ECONNECTION', message: 'connect ECONNREFUSED\n10.1.1.5:25', temporary: true });
    expect(diagnosticFor(c)).toBe('X-Relaywatch; connect ECONNREFUSED 10.1.1.5:25');
  });

  it('caps a huge reply', () => {
    const e = new RelayError({ code: 'ERESPONSE', message: 'x', smtpCode: 550, temporary: false, response: `550 ${'z'.repeat(70_000)}` });
    expect(diagnosticFor(e).length).toBeLessThan(1100);
  });
});

describe('reasonInWords', () => {
  it('uses the most specific row: subject.detail, then subject, then a default', () => {
    expect(reasonInWords('5.1.1')).toBe('the mailbox does not exist');
    expect(reasonInWords('4.2.2')).toBe('the mailbox is full');
    expect(reasonInWords('5.1.99')).toBe('the address was not accepted');
    expect(reasonInWords('4.4.7')).toBe('the time allowed for delivery ran out');
    expect(reasonInWords('5.0.0')).toBe('no further reason was given');
    expect(reasonInWords('garbage')).toBe('no further reason was given');
  });
});
