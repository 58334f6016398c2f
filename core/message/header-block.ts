/**
 * header-block: the header block of an RFC 5322 message (up to the first empty
 * line) and one field of it, unfolded, first occurrence, raw (no MIME or RFC 2047
 * decoding). Malformed input yields "no such header", never an error.
 */

/**
 * Splits content at the empty line that ends the header block (RFC 5322 2.1).
 * Bare-LF line ends are accepted too, so content that was never normalised
 * still splits sensibly. Without an empty line, everything is header block.
 */
export function splitHeaderBlock(buf: Buffer): { headers: Buffer; bodyOffset: number } {
  // A message that starts with an empty line has no header fields at all.
  if (buf[0] === 0x0a) return { headers: buf.subarray(0, 0), bodyOffset: 1 };
  if (buf[0] === 0x0d && buf[1] === 0x0a) return { headers: buf.subarray(0, 0), bodyOffset: 2 };
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) {
    // i ends a line; the empty line is "\n" or "\r\n" right after it.
    if (buf[i + 1] === 0x0a) return { headers: buf.subarray(0, i + 1), bodyOffset: i + 2 };
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return { headers: buf.subarray(0, i + 1), bodyOffset: i + 3 };
  }
  return { headers: buf, bodyOffset: buf.length };
}

/**
 * The unfolded value of the first header field called `name`, trimmed, or
 * undefined. Unfolding removes the line break before continuation lines and
 * keeps their leading white space (RFC 5322 2.2.3). Bytes are read as UTF-8,
 * which is what 8-bit header text almost always is in practice.
 */
export function getHeader(headers: Buffer | string, name: string): string | undefined {
  const text = typeof headers === 'string' ? headers : headers.toString('utf8');
  const wanted = name.toLowerCase();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') break; // the end of the header block
    const colon = line.indexOf(':');
    if (colon <= 0 || line[0] === ' ' || line[0] === '\t') continue;
    // RFC 5322 4.5.1 (obsolete syntax) allows white space before the colon.
    if (line.slice(0, colon).trimEnd().toLowerCase() !== wanted) continue;
    let value = line.slice(colon + 1);
    for (let j = i + 1; j < lines.length; j++) {
      const next = lines[j] ?? '';
      if (next[0] !== ' ' && next[0] !== '\t') break;
      value += next;
    }
    return value.trim();
  }
  return undefined;
}
