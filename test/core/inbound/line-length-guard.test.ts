import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RelayError } from '../../../core/errors/relay-error.js';
import { LineLengthGuard } from '../../../core/inbound/line-length-guard.js';

type Result = { ok: true; out: string } | { ok: false; reply: string };

/** Runs `chunks` (latin1 strings, CRLF-clean) through a guard. */
async function guard(chunks: string[]): Promise<Result> {
  const out: Buffer[] = [];
  try {
    for await (const c of Readable.from(chunks.map((s) => Buffer.from(s, 'latin1'))).pipe(new LineLengthGuard())) out.push(c as Buffer);
  } catch (e) {
    if (!(e instanceof RelayError)) throw e;
    const r = e.toSmtpReply();
    return { ok: false, reply: `${r.code} ${r.message}` };
  }
  return { ok: true, out: Buffer.concat(out).toString('latin1') };
}

/** RFC 5322 2.2.3 unfolding. */
const unfold = (s: string): string => s.replace(/\r\n(?=[ \t])/g, '');
const lines = (s: string): string[] => s.split('\r\n');
/** The same input cut into pieces of `n` octets. */
const cut = (s: string, n: number): string[] => Array.from({ length: Math.ceil(s.length / n) }, (_, i) => s.slice(i * n, (i + 1) * n));

const words = (n: number, w = 'word'): string => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ');

describe('LineLengthGuard', () => {
  it('passes lines of up to 998 octets through untouched, in the header and the body', async () => {
    const input = `Subject: ${'s'.repeat(989)}\r\nX: y\r\n\r\n${'b'.repeat(998)}\r\n.dot\r\n`;
    expect(lines(input)[0]).toHaveLength(998);
    expect(await guard([input])).toEqual({ ok: true, out: input });
  });

  it('folds a 100 KB header line at white space; unfolding gives the line back', async () => {
    const to = `To: ${Array.from({ length: 4200 }, (_, i) => `<user${i}@corp.example>`).join(', ')}`;
    expect(to.length).toBeGreaterThan(100_000);
    const input = `${to}\r\nSubject: s\r\n\r\nbody\r\n`;
    const r = await guard([input]);
    if (!r.ok) throw new Error(r.reply);
    expect(unfold(r.out)).toBe(input);
    for (const l of lines(r.out)) {
      expect(l.length).toBeLessThanOrEqual(998);
      expect(l).toMatch(/^$|\S/); // never a line of white space only
      expect(l).not.toMatch(/[ \t]$/); // the fold is before the white space, not after
    }
    // full lines: each fold at the last white space that fits
    expect(lines(r.out)[0]?.length).toBeGreaterThan(970);
    expect(r.out.endsWith('Subject: s\r\n\r\nbody\r\n')).toBe(true);
  });

  it('gives the same output however the input is cut into chunks', async () => {
    const input = `Subject: ${words(400)}\r\n\t${words(300, 'cont')}\r\nX-Short: 1\r\n\r\n${'b'.repeat(900)}\r\n`;
    const whole = await guard([input]);
    if (!whole.ok) throw new Error(whole.reply);
    expect(unfold(whole.out)).toBe(unfold(input));
    for (const n of [1, 2, 7, 64, 997, 998, 999, 1000, 4096]) expect(await guard(cut(input, n)), `pieces of ${n}`).toEqual(whole);
  });

  it('folds a continuation line that is too long too, after its leading white space', async () => {
    const input = `Subject: short\r\n    ${words(300)}\r\n\r\n`;
    const r = await guard([input]);
    if (!r.ok) throw new Error(r.reply);
    expect(unfold(r.out)).toBe(unfold(input));
    expect(lines(r.out).every((l) => l.length <= 998 && /^$|\S/.test(l))).toBe(true);
  });

  it('does not fold inside a long run of white space that nothing follows', async () => {
    // The only white space under the limit is followed by nothing but white space.
    const input = `Subject: ${'a'.repeat(900)} ${' '.repeat(200)}\r\n\r\n`;
    expect(await guard([input])).toEqual({
      ok: false,
      reply: '550 5.6.0 Message refused: header line 1 is longer than 998 octets and has no white space to fold it at (RFC 5322 2.1.1)',
    });
    // ...but waits for text that follows it in a later chunk
    const input2 = `Subject: ${'a'.repeat(900)} ${' '.repeat(200)}tail\r\n\r\n`;
    const r = await guard(cut(input2, 1000));
    expect(r).toEqual({ ok: true, out: `Subject: ${'a'.repeat(900)}\r\n ${' '.repeat(200)}tail\r\n\r\n` });
  });

  it.each([
    ['a header line with no white space to fold at', `X-Blob: ${'A'.repeat(5000)}\r\n\r\nbody\r\n`, 'header line 1 is longer than 998 octets and has no white space to fold it at'],
    ['white space only before the colon', `X-Blob${' '.repeat(5)}: ${'A'.repeat(5000)}\r\n\r\n`, 'header line 1 is longer'],
    ['a body line of 999 octets', `Subject: s\r\n\r\nok\r\n${'b'.repeat(999)}\r\n`, 'line 4 is longer than 998 octets (RFC 5322 2.1.1); send long lines as quoted-printable or base64'],
    ['a long body line with spaces (body text is never folded)', `Subject: s\r\n\r\n${words(300)}\r\n`, 'line 3 is longer'],
    ['a last body line without CRLF', `Subject: s\r\n\r\n${'b'.repeat(1200)}`, 'line 3 is longer'],
    ['a message with no header section', `${'text '.repeat(300)}\r\n`, 'line 1 is longer'],
    ['a long line that is not a header field', `Subject: s\r\nnot a field ${'x '.repeat(600)}\r\n`, 'line 2 is longer'],
    ['a continuation with nothing to continue', ` ${'x '.repeat(600)}\r\n`, 'line 1 is longer'],
  ])('refuses %s with 550 5.6.0', async (_name, input, why) => {
    for (const chunks of [[input], cut(input, 100)]) {
      const r = await guard(chunks);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reply).toContain(`550 5.6.0 Message refused: ${why}`);
    }
  });

  it('keeps the body byte for byte, and what follows an odd header line is body', async () => {
    const input = `Subject: s\r\nthis is not a header\r\nX-Look: alike\r\n\r\n\r\n${'b'.repeat(998)}\r\n`;
    expect(await guard([input])).toEqual({ ok: true, out: input });
  });
});
