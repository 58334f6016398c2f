import { describe, expect, it } from 'vitest';
import { decodeMimeWords } from '../../common/mime-words.js';

describe('RFC 2047 encoded-words', () => {
  it('decodes B and Q words in UTF-8 and ISO-8859-1', () => {
    expect(decodeMimeWords('=?UTF-8?B?U2NhbiB2b20gRHJ1Y2tlciDDvGJlcg==?=')).toBe('Scan vom Drucker über');
    expect(decodeMimeWords('=?utf-8?q?Rechnung_f=C3=BCr_M=C3=A4rz?=')).toBe('Rechnung für März');
    expect(decodeMimeWords('=?ISO-8859-1?Q?Caf=E9?=')).toBe('Café');
  });

  it('drops the whitespace between adjacent encoded words, keeps other text', () => {
    expect(decodeMimeWords('=?UTF-8?Q?Hello_?= \r\n =?UTF-8?Q?world?=')).toBe('Hello world');
    expect(decodeMimeWords('Re: =?UTF-8?B?w6l0w6k=?= report')).toBe('Re: été report');
  });

  it('accepts base64 without its padding and an RFC 2231 language tag', () => {
    expect(decodeMimeWords('=?UTF-8?B?w6l0w6k?=')).toBe('été');
    expect(decodeMimeWords('=?UTF-8*en?Q?hi?=')).toBe('hi');
  });

  it('leaves malformed words as written, and never throws', () => {
    for (const bad of ['=?UTF-8?B?***?=', '=?UTF-8?Q?bad=ZZhex?=', '=?no-such-charset?Q?x?=', '=?UTF-8?X?abc?=', '=?UTF-8?B?abc', '=?UTF-8?B?A?=']) {
      expect(decodeMimeWords(bad)).toBe(bad);
    }
    // A malformed word next to a good one: the good one is decoded, the space kept.
    expect(decodeMimeWords('=?UTF-8?B?***?= =?UTF-8?Q?ok?=')).toBe('=?UTF-8?B?***?= ok');
  });

  it('shows invalid UTF-8 bytes as U+FFFD rather than hiding the subject', () => {
    expect(decodeMimeWords('=?UTF-8?Q?a=FFb?=')).toBe('a\uFFFDb');
  });

  it('plain text passes through untouched', () => {
    expect(decodeMimeWords('Scan from office printer')).toBe('Scan from office printer');
  });
});
