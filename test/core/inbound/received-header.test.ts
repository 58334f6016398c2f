import { describe, expect, it } from 'vitest';
import { addressLiteral, receivedHeader, rfc5322Date } from '../../../core/inbound/received-header.js';

describe('receivedHeader', () => {
  const base = {
    helo: 'printer.office',
    clientAddress: '192.0.2.7',
    hostname: 'relay.test',
    protocol: 'ESMTP',
    mid: 42,
    date: new Date(Date.UTC(2025, 10, 22, 9, 5, 3)),
  };

  it('names the single recipient and ends with the date', () => {
    const h = receivedHeader({ ...base, recipients: ['a@corp.example'] });
    const date = rfc5322Date(base.date);
    expect(h).toBe(
      'Received: from printer.office ([192.0.2.7])\r\n' +
        '\tby relay.test (Relaywatch) with ESMTP id 42\r\n' +
        `\tfor <a@corp.example>; ${date}\r\n`,
    );
  });

  it('leaves out "for" with several recipients', () => {
    const h = receivedHeader({ ...base, protocol: 'ESMTPS', recipients: ['a@x.example', 'b@x.example'] });
    expect(h).toContain('from printer.office ([192.0.2.7])');
    expect(h).toContain('with ESMTPS id 42;\r\n\t');
    expect(h).not.toContain('for <');
    expect(h).not.toContain('b@x.example');
  });

  it('writes IPv6 clients as IPv6 address literals', () => {
    expect(receivedHeader({ ...base, clientAddress: '::1', recipients: ['a@b.example'] })).toContain('([IPv6:::1])');
    expect(addressLiteral('2001:db8::5')).toBe('[IPv6:2001:db8::5]');
    expect(addressLiteral('10.0.0.1')).toBe('[10.0.0.1]');
  });

  it('uses "unknown" when the client gave no HELO name', () => {
    expect(receivedHeader({ ...base, helo: '', recipients: ['a@b.example'] })).toMatch(/^Received: from unknown \(\[192\.0\.2\.7\]\)\r\n/);
  });

  it('cannot be split or folded by hostile values', () => {
    const h = receivedHeader({
      ...base,
      helo: 'evil\r\nBcc: x',
      hostname: 'relay.test\r\nX-Injected: 1',
      clientAddress: '192.0.2.7\r\nX: y',
      protocol: 'ESMTP\nX-P: 1',
      recipients: ['"a;b\r\n<c>"@b.example'],
    });
    const lines = h.split('\r\n');
    expect(lines).toHaveLength(4); // three lines and the final CRLF
    expect(lines.slice(1, 3).every((l) => l.startsWith('\t'))).toBe(true);
    expect(h).not.toMatch(/\n(?!\t|$)/);
    expect(h).toContain('from evil??Bcc:?x (');
    expect(h).toContain('by relay.test??X-Injected:?1 ');
    expect(h).toContain('for <"a?b???c?"@b.example>; ');
    // the only ";" is the one that introduces the date
    expect(h.split(';')).toHaveLength(2);
  });

  it('keeps a quoted local part with a space readable', () => {
    expect(receivedHeader({ ...base, recipients: ['"john smith"@corp.example'] })).toContain('for <"john smith"@corp.example>; ');
  });
});

describe('rfc5322Date', () => {
  it('formats day, date, time and the local offset', () => {
    const d = new Date(2025, 0, 5, 7, 8, 9);
    const off = -d.getTimezoneOffset();
    const zone = `${off < 0 ? '-' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}${String(Math.abs(off) % 60).padStart(2, '0')}`;
    expect(rfc5322Date(d)).toBe(`Sun, 5 Jan 2025 07:08:09 ${zone}`);
  });
});
