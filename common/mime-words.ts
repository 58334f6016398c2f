/**
 * mime-words: RFC 2047 encoded-words in header text ("=?UTF-8?B?…?=",
 * "=?ISO-8859-1?Q?…?="), decoded for people to read — the Queue's Subject
 * column and the mail log. Pure: TextDecoder only (browser and Node).
 *
 * Forgiving by design, as mail readers are: a word that is malformed (bad
 * base64, unknown charset, bad encoding letter) stays as it was written;
 * whitespace between two adjacent encoded words is dropped (RFC 2047 §6.2),
 * any other text is kept as is. Never throws.
 */

// charset may carry an RFC 2231 language ("UTF-8*en"); text has no '?' or whitespace (§2).
const WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([BbQq])\?([^?\s]*)\?=/g;

function bytesOfBase64(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.replace(/=+$/, '').length % 4 === 1) return undefined;
  try {
    const bin = atob(s.length % 4 ? s + '='.repeat(4 - (s.length % 4)) : s);
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function bytesOfQ(s: string): Uint8Array | undefined {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '_') out.push(0x20); // §4.2 (2): "_" is a space
    else if (c === '=') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      out.push(parseInt(hex, 16));
      i += 2;
    } else out.push(c.charCodeAt(0) & 0xff);
  }
  return Uint8Array.from(out);
}

function decodeWord(charset: string, enc: string, text: string): string | undefined {
  const bytes = enc === 'B' || enc === 'b' ? bytesOfBase64(text) : bytesOfQ(text);
  if (!bytes) return undefined;
  try {
    // Not fatal: a stray bad byte shows as U+FFFD rather than hiding the whole subject.
    return new TextDecoder(charset.toLowerCase()).decode(bytes);
  } catch {
    return undefined; // unknown charset label
  }
}

/** The header value with its encoded-words decoded; anything malformed is left as written. */
export function decodeMimeWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  let prevWasWord = false;
  for (const m of value.matchAll(WORD)) {
    const between = value.slice(last, m.index);
    const decoded = decodeWord(m[1]!, m[2]!, m[3]!);
    // §6.2: linear white space between adjacent encoded-words is not shown.
    if (!(prevWasWord && decoded !== undefined && /^[ \t\r\n]*$/.test(between))) out += between;
    out += decoded ?? m[0];
    prevWasWord = decoded !== undefined;
    last = m.index + m[0].length;
  }
  return out + value.slice(last);
}
