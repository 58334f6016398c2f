import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyNormalizer } from '../../../core/inbound/body-normalizer.js';

async function normalize(chunks: (string | Buffer)[]): Promise<string> {
  const out: Buffer[] = [];
  const n = Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'latin1') : c))).pipe(new BodyNormalizer());
  for await (const chunk of n) out.push(chunk as Buffer);
  return Buffer.concat(out).toString('latin1');
}

/** Every way of cutting `s` in two. */
function splits(s: string): string[][] {
  return Array.from({ length: s.length + 1 }, (_, i) => [s.slice(0, i), s.slice(i)]);
}

describe('BodyNormalizer', () => {
  it.each([
    ['bare LF', 'a\nb\n', 'a\r\nb\r\n'],
    ['bare CR', 'a\rb\r', 'a\r\nb\r\n'],
    ['CRLF kept', 'a\r\nb\r\n', 'a\r\nb\r\n'],
    ['CR CR LF', 'a\r\r\nb', 'a\r\n\r\nb'],
    ['LF CR', 'a\n\rb', 'a\r\n\r\nb'],
    ['NUL removed', 'a\x00b\r\n\x00.\r\n', 'ab\r\n.\r\n'],
    ['NUL between CR and LF', 'a\r\x00\nb', 'a\r\nb'],
    ['8-bit bytes untouched', 'caf\xe9\xff\r\n', 'caf\xe9\xff\r\n'],
  ])('%s', async (_name, input, expected) => {
    expect(await normalize([input])).toBe(expected);
  });

  it('is independent of where the chunks are cut', async () => {
    const input = 'x\r\ny\rz\n\r\n.\r\r\n\x00\n.\n';
    const whole = await normalize([input]);
    expect(whole).toBe('x\r\ny\r\nz\r\n\r\n.\r\n\r\n\r\n.\r\n');
    for (const parts of splits(input)) expect(await normalize(parts)).toBe(whole);
    // and one byte at a time
    expect(await normalize([...input])).toBe(whole);
  });

  it('joins a CR ending one chunk with an LF starting the next into one CRLF', async () => {
    expect(await normalize(['line\r', '\nnext'])).toBe('line\r\nnext');
  });

  it('ends a trailing bare CR with LF at the end of the stream', async () => {
    expect(await normalize(['end\r'])).toBe('end\r\n');
  });

  it('leaves no bare CR, bare LF or NUL in random input', async () => {
    const alphabet = ['\r', '\n', '\x00', '.', 'a'];
    let seed = 42;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let round = 0; round < 200; round++) {
      const input = Array.from({ length: 40 }, () => alphabet[rnd(alphabet.length)]).join('');
      const cut = rnd(input.length);
      const out = await normalize([input.slice(0, cut), input.slice(cut)]);
      expect(out).not.toMatch(/\r(?!\n)|(?<!\r)\n|\x00/);
    }
  });
});
