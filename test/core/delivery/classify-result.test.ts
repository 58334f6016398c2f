import { describe, expect, it } from 'vitest';
import { classify, RULES, type Failure, type Phase } from '../../../core/delivery/classify-result.js';

const f = (phase: Phase, reply?: string, network?: Failure['network']): Failure => ({ phase, reply, network, message: 'm' });

describe('classify: the behaviour table', () => {
  // [phase, reply or network kind, host effect, recipients, next host, code, enhanced, temporary]
  const table: [Phase, string, string, string, boolean, string, string, boolean][] = [
    ['connect', 'refused', 'failed', 'retry', true, 'ECONNECTION', '4.4.1', true],
    ['connect', 'timeout', 'failed', 'retry', true, 'ETIMEDOUT', '4.4.2', true],
    ['connect', 'dns', 'failed', 'retry', true, 'EDNS', '4.4.3', true],
    ['greeting', '421 4.3.2 busy', 'answered', 'retry', true, 'ERESPONSE', '4.3.2', true],
    ['greeting', '421 busy', 'answered', 'retry', true, 'ERESPONSE', '4.0.0', true],
    ['greeting', '554 go away', 'answered', 'retry', true, 'ERESPONSE', '4.0.0', true],
    ['greeting', 'timeout', 'failed', 'retry', true, 'ETIMEDOUT', '4.4.2', true],
    ['ehlo', '550 5.7.1 no', 'answered', 'retry', true, 'ERESPONSE', '4.7.1', true],
    ['starttls', '502 5.5.1 not implemented', 'failed', 'retry', true, 'ETLS', '4.7.4', true],
    ['starttls', 'tls', 'failed', 'retry', true, 'ETLS', '4.7.5', true],
    ['auth', '535 5.7.8 bad credentials', 'answered', 'retry', true, 'EAUTH', '4.7.8', true],
    ['mail', '451 4.3.0 later', 'answered', 'retry', true, 'ERESPONSE', '4.3.0', true],
    ['mail', '550 5.7.1 sender refused', 'answered', 'bounce', false, 'ERESPONSE', '5.7.1', false],
    ['rcpt', '452 4.3.1 Insufficient system resources', 'answered', 'retry', true, 'ERESPONSE', '4.3.1', true],
    ['rcpt', '550 5.1.1 unknown user', 'answered', 'bounce', false, 'ERESPONSE', '5.1.1', false],
    ['rcpt', '550 unknown user', 'answered', 'bounce', false, 'ERESPONSE', '5.0.0', false],
    ['data', '451 later', 'answered', 'retry', true, 'ERESPONSE', '4.0.0', true],
    ['data', '554 5.6.0 bad content', 'answered', 'bounce', false, 'ERESPONSE', '5.6.0', false],
    // No reply once a transaction is under way: deferred here, host Up, no next host.
    ['mail', 'dropped', 'lost', 'retry', false, 'ECONNECTION', '4.4.2', true],
    ['rcpt', 'timeout', 'lost', 'retry', false, 'ETIMEDOUT', '4.4.2', true],
    ['data', 'dropped', 'lost', 'retry', false, 'ECONNECTION', '4.4.2', true],
    ['dot', '250 2.0.0 queued', 'answered', 'delivered', false, 'ERESPONSE', '2.0.0', false],
    ['dot', '451 4.3.0 try later', 'answered', 'retry', true, 'ERESPONSE', '4.3.0', true],
    ['dot', '550 5.7.1 spam', 'answered', 'bounce', false, 'ERESPONSE', '5.7.1', false],
    ['dot', 'timeout', 'lost', 'retry', false, 'ETIMEDOUT', '4.4.2', true],
    ['dot', 'dropped', 'lost', 'retry', false, 'ECONNECTION', '4.4.2', true],
  ];
  it.each(table)('%s %s → host %s, recipients %s', (phase, what, host, recipients, next, code, enhanced, temporary) => {
    const isReply = /^\d{3}/.test(what);
    const v = classify(isReply ? f(phase, what) : f(phase, undefined, what as Failure['network']));
    expect(v.rule.host).toBe(host);
    expect(v.rule.recipients).toBe(recipients);
    expect(v.rule.nextHost).toBe(next);
    if (recipients === 'delivered') return;
    expect(v.error.code).toBe(code);
    expect(v.error.enhanced).toBe(enhanced);
    expect(v.error.temporary).toBe(temporary);
    if (isReply) {
      expect(v.error.smtpCode).toBe(Number(what.slice(0, 3)));
      expect(v.error.response).toBe(what);
      expect(v.error.toLine()).toBe(what);
    } else {
      expect(v.error.smtpCode).toBeUndefined();
    }
  });

  it('every phase has a rule for 4xx, 5xx and no reply; next host exactly when recipients retry and the transaction was not lost', () => {
    for (const rules of Object.values(RULES)) {
      for (const r of [rules['4xx'], rules['5xx'], rules.none]) {
        expect(r.nextHost).toBe(r.recipients === 'retry' && r.host !== 'lost');
        expect(r.reason).toBeTruthy();
      }
    }
  });

  it('no reply: Down while the session is set up, lost (host stays Up) once a transaction is under way', () => {
    const noReply = Object.fromEntries(Object.entries(RULES).map(([phase, rules]) => [phase, rules.none.host]));
    expect(noReply).toEqual({
      connect: 'failed',
      greeting: 'failed',
      ehlo: 'failed',
      starttls: 'failed',
      auth: 'failed',
      mail: 'lost',
      rcpt: 'lost',
      data: 'lost',
      dot: 'lost',
    });
  });

  it('an unexpected positive reply where a failure was reported counts as a protocol failure', () => {
    const v = classify(f('mail', '354 go ahead'));
    expect(v.rule.host).toBe('lost');
    expect(v.error.code).toBe('EPROTOCOL');
    expect(v.error.response).toBe('354 go ahead');
  });

  it('network failures name the reason for the Connection Error line', () => {
    expect(classify(f('connect', undefined, 'refused')).reason).toBe('connection refused');
    expect(classify(f('greeting', undefined, 'timeout')).reason).toBe('timed out');
    expect(classify(f('starttls', undefined, 'tls')).reason).toBe('TLS failure');
    expect(classify(f('rcpt', '452 4.3.1 x')).reason).toBe('recipient deferred');
  });
});
