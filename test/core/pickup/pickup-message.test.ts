/**
 * pickup-message (issue 14 item 4): the envelope from X-Sender/X-Receiver
 * (removed) or From and To/Cc/Bcc (Bcc removed), CRLF or LF, and the reasons
 * in words for what is not a message.
 */
import { describe, expect, it } from 'vitest';
import { parsePickupMessage } from '../../../core/pickup/pickup-message.js';

const limits = { maxRecipients: 100 };
const parse = (text: string | Buffer) => parsePickupMessage(Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8'), limits);

function ok(text: string) {
  const r = parse(text);
  if (!r.ok) throw new Error(`not parsed: ${r.reason}`);
  return { ...r, text: r.content.toString('utf8') };
}

describe('pickup file envelope', () => {
  it('takes X-Sender/X-Receiver (the IIS convention) and removes them, even with From/To present', () => {
    const r = ok('X-Sender: erp@office.test\r\nX-Receiver: <alice@corp.test>\r\nX-Receiver: bob@corp.test\r\nFrom: Accounts <accounts@office.test>\r\nTo: someone@else.test\r\nSubject: Invoice\r\n\r\nbody\r\n');
    expect(r.sender).toBe('erp@office.test');
    expect(r.recipients).toEqual(['alice@corp.test', 'bob@corp.test']);
    expect(r.from).toBe('x-headers');
    expect(r.text).not.toMatch(/^X-Sender|^X-Receiver/im);
    expect(r.text).toBe('From: Accounts <accounts@office.test>\r\nTo: someone@else.test\r\nSubject: Invoice\r\n\r\nbody\r\n');
  });

  it('falls back to From and To/Cc/Bcc, delivers a repeated address once, and removes Bcc (folded lines too)', () => {
    const r = ok('From: "Scanner, 2nd floor" <scan@office.test>\nTo: Alice <alice@corp.test>, bob@corp.test\nCc: ALICE@corp.test\nBcc: audit@corp.test,\n  boss@corp.test\nSubject: scan\n\nline 1\nline 2\n');
    expect(r.sender).toBe('scan@office.test');
    expect(r.recipients).toEqual(['alice@corp.test', 'bob@corp.test', 'audit@corp.test', 'boss@corp.test']);
    expect(r.from).toBe('headers');
    expect(r.text).not.toMatch(/bcc|audit|boss/i);
    // Header lines come out CRLF; the body is left to the spool path's normaliser.
    expect(r.text.startsWith('From: "Scanner, 2nd floor" <scan@office.test>\r\nTo: Alice <alice@corp.test>, bob@corp.test\r\nCc: ALICE@corp.test\r\nSubject: scan\r\n\r\n')).toBe(true);
  });

  it('gives a reason in words for files that are not messages', () => {
    const reason = (text: string | Buffer): string => {
      const r = parse(text);
      if (r.ok) throw new Error('parsed');
      return r.reason;
    };
    expect(reason('')).toBe('the file is empty');
    expect(reason('\r\nno headers at all\r\n')).toMatch(/no header block/);
    expect(reason('Hello, this is just text\nsecond line\n')).toMatch(/^line 1 of the header block is not a header field \("Hello, this is just text"\)/);
    expect(reason(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x0a, 0x00]))).toMatch(/control characters: binary data/);
    expect(reason('From: a@office.test\r\nSubject: x\r\n\r\nbody')).toMatch(/^no recipients: no X-Receiver header, and no address in To, Cc or Bcc/);
    expect(reason('To: a@corp.test\r\n\r\nbody')).toMatch(/^no sender/);
    expect(reason('From: a@office.test\r\nTo: not an address\r\n\r\n')).toMatch(/^To: "not an address" is not an address/);
    expect(reason(' folded: first\r\n')).toMatch(/white space/);
  });

  it('applies limits.maxRecipients to the whole file', () => {
    const to = Array.from({ length: 3 }, (_, i) => `r${i}@corp.test`).join(', ');
    const r = parsePickupMessage(Buffer.from(`From: a@office.test\r\nTo: ${to}\r\n\r\n`), { maxRecipients: 2 });
    expect(r).toEqual({ ok: false, reason: '3 recipients, more than limits.maxRecipients (2) allows for one message' });
  });
});
