import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { LineGuard } from '../../../core/delivery/line-guard.js';

async function guard(chunks: Buffer[]): Promise<{ out: string; repaired: number }> {
  const g = new LineGuard();
  const out = await buffer(Readable.from(chunks).pipe(g));
  return { out: out.toString('latin1'), repaired: g.repaired };
}

const cases: [string, string, string][] = [
  ['CRLF untouched', 'a\r\nb\r\n', 'a\r\nb\r\n'],
  ['bare LF', 'a\nb\n', 'a\r\nb\r\n'],
  ['bare CR', 'a\rb\r', 'a\r\nb\r\n'],
  ['LF CR (reversed)', 'a\n\rb', 'a\r\n\r\nb'],
  ['NUL removed', 'a\x00b\r\n', 'ab\r\n'],
  ['CR NUL LF is one break', 'a\r\x00\nb', 'a\r\nb'],
  ['smuggling attempt <LF>.<LF>', 'x\n.\nMAIL FROM:<e@vil>\r\n', 'x\r\n.\r\nMAIL FROM:<e@vil>\r\n'],
  ['CR CR LF', 'a\r\r\nb', 'a\r\n\r\nb'],
];

describe('LineGuard', () => {
  it.each(cases)('%s', async (_name, input, want) => {
    expect((await guard([Buffer.from(input, 'latin1')])).out).toBe(want);
  });

  it.each(cases)('%s, split at every byte boundary', async (_name, input, want) => {
    const buf = Buffer.from(input, 'latin1');
    for (let i = 0; i <= buf.length; i++) {
      expect((await guard([buf.subarray(0, i), buf.subarray(i)])).out).toBe(want);
    }
    // and one byte per chunk
    expect((await guard([...buf].map((b) => Buffer.from([b])))).out).toBe(want);
  });

  it('passes a clean message through unchanged, byte for byte, counting no repairs', async () => {
    const msg = Buffer.concat([Buffer.from('Subject: é\r\n\r\n', 'utf8'), Buffer.alloc(200_000, 'x'), Buffer.from('\r\n.leading dot\r\n')]);
    const r = await guard([msg.subarray(0, 70_000), msg.subarray(70_000)]);
    expect(Buffer.from(r.out, 'latin1').equals(msg)).toBe(true);
    expect(r.repaired).toBe(0);
  });

  it('counts repairs and ends a trailing bare CR with CRLF', async () => {
    const r = await guard([Buffer.from('a\nb\x00\r')]);
    expect(r.out).toBe('a\r\nb\r\n');
    expect(r.repaired).toBe(3);
  });

  it('does not dot-stuff (nodemailer does)', async () => {
    expect((await guard([Buffer.from('.\r\n..x\r\n')])).out).toBe('.\r\n..x\r\n');
  });
});
