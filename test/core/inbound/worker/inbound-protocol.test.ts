/**
 * inbound-protocol: what crosses the thread boundary is checked like any
 * other input, both ways: unknown kinds and malformed fields are refused
 * with a ProtocolError naming them; RelayErrors survive the crossing.
 */
import { describe, expect, it } from 'vitest';
import { fromFailure, parseFromWorker, parseToWorker, ProtocolError, toFailure } from '../../../../core/inbound/worker/inbound-protocol.js';
import { RelayError } from '../../../../core/errors/relay-error.js';

const envelope = { mid: 7, kind: 'normal', sender: 'a@b.test', recipients: [{ rid: 0, address: 'c@d.test' }], receivedAt: 1, icid: 3, clientAddress: '127.0.0.1', clientHelo: 'x' };

describe('inbound protocol', () => {
  it('accepts every well-formed kind it knows', () => {
    expect(parseFromWorker({ kind: 'message', seq: 1, envelope, size: 10, fileBytes: 200 }).kind).toBe('message');
    expect(parseFromWorker({ kind: 'log', lines: [['Info', 'ICID 3 close']] }).kind).toBe('log');
    expect(parseToWorker({ kind: 'taken', seq: 1 }).kind).toBe('taken');
    expect(parseToWorker({ kind: 'mids', seq: 2, mids: [41, 42] }).kind).toBe('mids');
    expect(parseToWorker({ kind: 'certificate', pem: { key: 'k', cert: 'c' } }).kind).toBe('certificate');
  });

  it('refuses an unknown kind, a kind of the other direction, and a malformed field, naming them', () => {
    expect(() => parseFromWorker({ kind: 'rm -rf' })).toThrow(ProtocolError);
    expect(() => parseFromWorker({ kind: 'taken', seq: 1 })).toThrow(/unknown message kind "taken"/);
    expect(() => parseToWorker(null)).toThrow(ProtocolError);
    expect(() => parseFromWorker({ kind: 'message', seq: 1, envelope: { ...envelope, recipients: [] }, size: 10, fileBytes: 200 })).toThrow(/malformed 'message': envelope.recipients/);
    expect(() => parseFromWorker({ kind: 'log', lines: [['Shout', 'x']] })).toThrow(/malformed 'log'/);
    // An own-property check, not `in`: a prototype name is no kind.
    expect(() => parseToWorker({ kind: 'constructor' })).toThrow(/unknown message kind/);
  });

  it('carries a RelayError across with its code, reply and class', () => {
    const e = fromFailure(toFailure(new RelayError({ code: 'ENOSPACE', message: 'disk full', smtpCode: 452, enhanced: '4.3.1', temporary: true })));
    expect(e).toBeInstanceOf(RelayError);
    expect([e.code, e.message, e.smtpCode, e.enhanced, e.temporary]).toEqual(['ENOSPACE', 'disk full', 452, '4.3.1', true]);
  });
});
