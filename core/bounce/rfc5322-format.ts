/**
 * rfc5322-format: the byte-level rules for writing a message ourselves: the
 * date, header folding within §2.1.1's limits, word-wrapped text, sanitised
 * network values, a received header block as CRLF lines. No RFC 2047 encoded
 * words: non-ASCII passes through as UTF-8 / 8bit.
 */

export const CRLF = '\r\n';
/** RFC 5322 §2.1.1: the hard limit, excluding the CRLF. */
export const MAX_LINE = 998;
/** RFC 5322 §2.1.1: the recommended limit, excluding the CRLF. */
export const SOFT_LINE = 78;

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/** `Sat, 01 Jan 2000 00:00:00 +0000` (RFC 5322 §3.3), always in UTC. */
export function rfc5322Date(ms: number): string {
  // toUTCString's layout is fixed by ECMA-262 (day, DD Mon YYYY HH:MM:SS GMT);
  // RFC 5322 prefers a numeric zone over the obsolete "GMT".
  return new Date(ms).toUTCString().replace(/ GMT$/, ' +0000');
}

/**
 * One line of text from untrusted input: every control character (CR, LF,
 * NUL, TAB...) becomes a space, runs of spaces collapse, capped at `max`
 * characters. A CR/LF from a remote reply can thus never start a new header
 * field or a new MIME part.
 */
export function sanitizeField(s: string, max = 2000): string {
  const flat = s.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}...` : flat;
}

/** Splits `word` into pieces of at most `max` UTF-8 bytes, never inside a character. */
function chunkBytes(word: string, max: number): string[] {
  if (bytes(word) <= max) return [word];
  const out: string[] = [];
  let cur = '';
  for (const ch of word) {
    if (bytes(cur) + bytes(ch) > max) {
      out.push(cur);
      cur = '';
    }
    cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

/**
 * `Name: value` folded at spaces (RFC 5322 §2.2.3) so lines stay within 78
 * octets where the words allow and within 998 always. A single word longer
 * than a line (a hostile server's reply) is cut; the fold then adds a space
 * inside it, a change we accept over emitting an illegal line.
 * Returns the lines joined with CRLF, without a final CRLF.
 */
export function foldField(name: string, value: string): string {
  const head = `${name}:`;
  const lines: string[] = [];
  let line = head;
  for (const word of value.split(' ')) {
    if (word === '') continue;
    for (const piece of chunkBytes(word, MAX_LINE - 2)) {
      const candidate = `${line} ${piece}`;
      const fits = bytes(candidate) <= SOFT_LINE || (line === head && bytes(candidate) <= MAX_LINE);
      if (fits) {
        line = candidate;
      } else {
        lines.push(line);
        line = ` ${piece}`;
      }
    }
  }
  lines.push(line);
  return lines.join(CRLF);
}

/**
 * Word-wraps one paragraph to `width` octets per line with `indent` before
 * each line; words longer than a line are cut at the hard limit only.
 */
export function wrapText(text: string, width = 76, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (word === '') continue;
    for (const piece of chunkBytes(word, MAX_LINE - bytes(indent))) {
      if (line !== '' && bytes(`${indent}${line} ${piece}`) > width) {
        lines.push(`${indent}${line}`);
        line = piece;
      } else {
        line = line === '' ? piece : `${line} ${piece}`;
      }
    }
  }
  if (line !== '') lines.push(`${indent}${line}`);
  return lines;
}

/** true when any byte is outside 7-bit ASCII (the part is then 8bit). */
export function hasNonAscii(data: Buffer | string): boolean {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return buf.some((b) => b > 0x7f);
}

/**
 * A received header block as CRLF lines, each at most 998 octets, ending in
 * one CRLF, without the blank line that ended it. Bytes are kept as they are
 * (8-bit header text is usually UTF-8 but need not be), except NUL, which
 * RFC 5322 forbids and some MTAs choke on; bare CR or LF become CRLF. A
 * longer line is folded at its last space or tab before the limit, or cut at
 * a UTF-8 character boundary when it has none.
 */
export function normalizeHeaderBlock(block: Buffer): Buffer {
  const out: Buffer[] = [];
  const crlf = Buffer.from(CRLF);
  // Split on LF, CRLF or a lone CR.
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < block.length; i++) {
    const b = block[i];
    if (b !== 0x0a && b !== 0x0d) continue;
    lines.push(block.subarray(start, i));
    if (b === 0x0d && block[i + 1] === 0x0a) i++;
    start = i + 1;
  }
  if (start < block.length) lines.push(block.subarray(start));
  while (lines.length > 0 && lines[lines.length - 1]?.length === 0) lines.pop();
  // A blank line inside would end the part's header block early for a reader; drop it.
  for (const raw of lines) {
    if (raw.length === 0) continue;
    let line = Buffer.from(raw.filter((b) => b !== 0x00));
    while (line.length > MAX_LINE) {
      let cut = line.lastIndexOf(0x20, MAX_LINE);
      const tab = line.lastIndexOf(0x09, MAX_LINE);
      if (tab > cut) cut = tab;
      if (cut <= 0) {
        cut = MAX_LINE;
        // Back up off UTF-8 continuation bytes (10xxxxxx).
        while (cut > 1 && ((line[cut] ?? 0) & 0xc0) === 0x80) cut--;
      }
      out.push(line.subarray(0, cut), crlf);
      // The fold: the rest starts with white space (the space we cut at, or one we add).
      const rest = line.subarray(cut);
      line = rest[0] === 0x20 || rest[0] === 0x09 ? rest : Buffer.concat([Buffer.from(' '), rest]);
    }
    out.push(line, crlf);
  }
  return Buffer.concat(out);
}
