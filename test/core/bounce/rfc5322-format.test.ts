import { describe, expect, it } from 'vitest';
import { foldField, hasNonAscii, normalizeHeaderBlock, rfc5322Date, sanitizeField, wrapText } from '../../../core/bounce/rfc5322-format.js';

const lines = (s: string): string[] => s.split('\r\n');

describe('rfc5322Date', () => {
  it('formats in UTC with a numeric zone', () => {
    expect(rfc5322Date(Date.UTC(2025, 0, 5, 7, 8, 9))).toBe('Sun, 05 Jan 2025 07:08:09 +0000');
  });
});

describe('foldField', () => {
  it('leaves a short field alone', () => {
    expect(foldField('Status', '5.1.1')).toBe('Status: 5.1.1');
  });

  it('folds at spaces within 78 octets and unfolds to the same words', () => {
    const value = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const folded = foldField('Diagnostic-Code', value);
    for (const l of lines(folded)) expect(l.length).toBeLessThanOrEqual(78);
    expect(lines(folded).slice(1).every((l) => l.startsWith(' '))).toBe(true);
    expect(folded.replace(/\r\n/g, '')).toBe(`Diagnostic-Code: ${value}`);
  });

  it('cuts a word longer than 998 octets, without splitting a UTF-8 character', () => {
    const value = `x ${'\u00e9'.repeat(1500)}`;
    const folded = foldField('X-Long', value);
    for (const l of lines(folded)) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(998);
    expect(folded.replace(/\r\n /g, '').replace(/ /g, '')).toBe(`X-Long:x${'\u00e9'.repeat(1500)}`);
  });
});

describe('wrapText', () => {
  it('wraps at the width with an indent', () => {
    const out = wrapText('aaa bbb ccc ddd', 12, '  ');
    expect(out).toEqual(['  aaa bbb', '  ccc ddd']);
  });
});

describe('sanitizeField', () => {
  it('turns control characters into single spaces and caps the length', () => {
    expect(sanitizeField('a\r\nb\0c\t d')).toBe('a b c d');
    expect(sanitizeField('abcdef', 3)).toBe('abc...');
  });
});

describe('hasNonAscii', () => {
  it('detects bytes above 0x7f', () => {
    expect(hasNonAscii('plain')).toBe(false);
    expect(hasNonAscii('M\u00fcller')).toBe(true);
    expect(hasNonAscii(Buffer.from([0x41, 0xe9]))).toBe(true);
  });
});

describe('normalizeHeaderBlock', () => {
  it('makes CRLF lines, drops the ending blank line and NULs, keeps 8-bit bytes', () => {
    const input = Buffer.concat([Buffer.from('A: 1\nB: x'), Buffer.from([0x00, 0xe9]), Buffer.from('\r\n\r\n')]);
    expect(normalizeHeaderBlock(input)).toEqual(Buffer.concat([Buffer.from('A: 1\r\nB: x'), Buffer.from([0xe9]), Buffer.from('\r\n')]));
  });

  it('folds a line over 998 octets at white space, or cuts it', () => {
    const spaced = `X-A: ${'abcdefghi '.repeat(150)}`.trimEnd();
    const solid = `X-B: ${'q'.repeat(2500)}`;
    const out = normalizeHeaderBlock(Buffer.from(`${spaced}\r\n${solid}\r\n`)).toString();
    for (const l of lines(out)) expect(l.length).toBeLessThanOrEqual(998);
    const unfolded = out.replace(/\r\n(?=[ \t])/g, '');
    expect(unfolded.startsWith(`${spaced}\r\n`)).toBe(true);
    expect(unfolded.split('\r\n')[1]?.replace(/ /g, '')).toBe(solid.replace(/ /g, ''));
  });
});
