import { describe, expect, it } from 'vitest';
import { getHeader, splitHeaderBlock } from '../../../core/message/header-block.js';

describe('splitHeaderBlock', () => {
  it('splits at the first empty CRLF line', () => {
    const buf = Buffer.from('Subject: a\r\nTo: b\r\n\r\nbody\r\n\r\nmore\r\n');
    const { headers, bodyOffset } = splitHeaderBlock(buf);
    expect(headers.toString()).toBe('Subject: a\r\nTo: b\r\n');
    expect(buf.subarray(bodyOffset).toString()).toBe('body\r\n\r\nmore\r\n');
  });

  it('accepts bare LF line ends', () => {
    const buf = Buffer.from('Subject: a\nTo: b\n\nbody\n');
    const { headers, bodyOffset } = splitHeaderBlock(buf);
    expect(headers.toString()).toBe('Subject: a\nTo: b\n');
    expect(buf.subarray(bodyOffset).toString()).toBe('body\n');
  });

  it('treats content without an empty line as all headers', () => {
    const buf = Buffer.from('Subject: a\r\nTo: b\r\n');
    expect(splitHeaderBlock(buf)).toEqual({ headers: buf, bodyOffset: buf.length });
  });

  it('finds no headers when the content starts with an empty line', () => {
    const buf = Buffer.from('\r\nSubject: not a header\r\n');
    const { headers, bodyOffset } = splitHeaderBlock(buf);
    expect(headers.length).toBe(0);
    expect(bodyOffset).toBe(2);
  });
});

describe('getHeader', () => {
  const block = Buffer.from(
    'Received: from x\r\n\tby y; Sat, 1 Jan 2000 00:00:00 +0000\r\n' +
      'SUBJECT: Quarterly\r\n report\r\n\tfinal\r\n' +
      'Message-ID: <abc@example.test>\r\n' +
      'Subject: second\r\n' +
      'X-Empty:\r\n' +
      '\r\n' +
      'Message-ID: <in-body@example.test>\r\n',
  );

  it('unfolds continuation lines and is case-insensitive', () => {
    expect(getHeader(block, 'subject')).toBe('Quarterly report\tfinal');
  });

  it('returns the first occurrence', () => {
    expect(getHeader(block, 'Message-Id')).toBe('<abc@example.test>');
  });

  it('stops at the end of the header block', () => {
    expect(getHeader('To: a\r\n\r\nCc: b\r\n', 'Cc')).toBeUndefined();
  });

  it('returns an empty string for an empty field and undefined for a missing one', () => {
    expect(getHeader(block, 'X-Empty')).toBe('');
    expect(getHeader(block, 'X-Missing')).toBeUndefined();
  });

  it('does not match a field whose name only starts the same', () => {
    expect(getHeader('Subject-Extra: no\r\nSubject : yes\r\n', 'Subject')).toBe('yes');
  });

  it('reads UTF-8 header text from a Buffer', () => {
    expect(getHeader(Buffer.from('Subject: Grüße\r\n'), 'Subject')).toBe('Grüße');
  });
});
