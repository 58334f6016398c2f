import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SMTPError } from 'nodemailer/lib/smtp-connection';
import { describe, expect, it } from 'vitest';
import { openFailure, transactionFailure, type TransactionStage } from '../../../core/delivery/session-failure.js';
import type { Destination } from '../../../core/routing/routing-types.js';

const dest: Destination = { key: 'mx.test:25', host: 'mx.test', port: 25, priority: 0, tls: 'opportunistic' };
const err = (fields: Partial<SMTPError>): SMTPError => Object.assign(new Error(fields.message ?? 'x'), fields);
const conn = (over: Partial<SMTPConnection> = {}): SMTPConnection =>
  ({ stage: 'connected', upgrading: false, lastServerResponse: '220 hi', ...over }) as SMTPConnection;

describe('openFailure', () => {
  const cases: [string, SMTPError, Partial<SMTPConnection>, string, string | undefined, string | undefined][] = [
    ['refused', err({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' }), { stage: 'init', lastServerResponse: false }, 'connect', 'refused', undefined],
    ['DNS', err({ code: 'EDNS', command: 'CONN' }), { stage: 'init', lastServerResponse: false }, 'connect', 'dns', undefined],
    ['greeting timeout', err({ code: 'ETIMEDOUT', command: 'CONN' }), { lastServerResponse: false }, 'greeting', 'timeout', undefined],
    ['421 greeting', err({ code: 'EPROTOCOL', command: 'CONN', response: '421 busy' }), {}, 'greeting', undefined, '421 busy'],
    ['EHLO refused', err({ code: 'EPROTOCOL', command: 'HELO', response: '550 no' }), {}, 'ehlo', undefined, '550 no'],
    ['STARTTLS refused', err({ code: 'ETLS', command: 'STARTTLS', response: '502 5.5.1 no' }), {}, 'starttls', undefined, '502 5.5.1 no'],
    ['handshake failed', err({ code: 'ESOCKET', originalCode: 'ERR_SSL_WRONG_VERSION_NUMBER', command: 'CONN' }), { upgrading: true }, 'starttls', 'tls', undefined],
    ['AUTH refused', err({ code: 'EAUTH', command: 'AUTH PLAIN', response: '535 5.7.8 no' }), {}, 'auth', undefined, '535 5.7.8 no'],
  ];
  it.each(cases)('%s', (_n, e, c, phase, network, reply) => {
    const f = openFailure(e, conn(c), dest, 'greeting');
    expect([f.phase, f.network, f.reply]).toEqual([phase, network, reply]);
    expect(f.message).toContain('mx.test:25');
  });
});

describe('transactionFailure', () => {
  const envelope = { dataStarted: false, contentSent: false };
  const streaming = { dataStarted: true, contentSent: false };
  const sent = { dataStarted: true, contentSent: true };
  const cases: [string, SMTPError | undefined, TransactionStage, string, string | undefined, string | undefined][] = [
    ['MAIL refused', err({ code: 'EENVELOPE', command: 'MAIL FROM', response: '451 later' }), envelope, 'mail', undefined, '451 later'],
    ['all RCPT refused', err({ code: 'EENVELOPE', command: 'RCPT TO', response: '550 no' }), envelope, 'rcpt', undefined, '550 no'],
    ['DATA command refused', err({ code: 'EENVELOPE', command: 'DATA', response: '451 no' }), envelope, 'data', undefined, '451 no'],
    ['final dot refused', err({ code: 'EMESSAGE', command: 'DATA', response: '550 spam' }), sent, 'dot', undefined, '550 spam'],
    ['421 mid-envelope', err({ code: 'ECONNECTION', command: 'CONN', response: '421 bye' }), envelope, 'mail', undefined, '421 bye'],
    ['dropped mid-DATA', err({ code: 'ECONNECTION', command: 'CONN' }), streaming, 'data', 'dropped', undefined],
    ['dropped after the dot', err({ code: 'ECONNECTION', command: 'CONN' }), sent, 'dot', 'dropped', undefined],
    ['timeout after dot', err({ code: 'ETIMEDOUT', command: 'CONN' }), sent, 'dot', 'timeout', undefined],
    ['lost without an error', undefined, envelope, 'mail', 'dropped', undefined],
    ['lost without an error after the dot', undefined, sent, 'dot', 'dropped', undefined],
  ];
  it.each(cases)('%s', (_n, e, stage, phase, network, reply) => {
    const f = transactionFailure(e, dest, stage);
    expect([f.phase, f.network, f.reply]).toEqual([phase, network, reply]);
  });

  it('SIZE over the server limit becomes a 552 5.3.4 at MAIL (RFC 1870)', () => {
    const f = transactionFailure(err({ code: 'EMESSAGE', command: 'MAIL FROM', message: 'Message size larger than allowed 1000' }), dest, { dataStarted: false, contentSent: false });
    expect([f.phase, f.reply]).toEqual(['mail', '552 5.3.4 Message size larger than allowed 1000']);
  });
});
