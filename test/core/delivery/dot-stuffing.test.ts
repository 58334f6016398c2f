import { describe, expect, it } from 'vitest';
import { libraryDataStream, runTransform, stuffChunk } from '../../../core/delivery/dot-stuffing.js';

/** nodemailer's own DataStream output for `chunks`, and ours, on two real DataStreams. */
function both(chunks: Buffer[]): { lib: Buffer; ours: Buffer; libState: unknown; oursState: unknown } {
  const a = libraryDataStream();
  const b = libraryDataStream();
  const lib = runTransform(a, a._transform, chunks);
  const out: Buffer[] = [];
  for (const c of chunks) if (c.length > 0) out.push(stuffChunk(c, b));
  const state = (s: typeof a): unknown => ({ in: s.inByteCount, out: s.outByteCount, last: s.lastByte });
  return { lib, ours: Buffer.concat(out), libState: state(a), oursState: state(b) };
}

// A small seeded generator, so a failure names an input that can be replayed.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}
const ALPHABET = ['\r', '\n', '.', '.', 'a', ' ', '\r\n', '\r\n.', '\r\n..', '\n.', '\r.', '\x00'];

describe('dot-stuffing: ours equals nodemailer DataStream byte for byte', () => {
  const fixed = ['', '.', '..', '.\r\n', '\r\n.\r\n', 'a\r\n..b\r\n.\r\n', 'x\n.\ny\r.\rz', 'no line end at all', 'ends in CR\r', 'ends in LF\n', 'ends in dot\r\n.', '\r\r\n\n\r\n.'];

  it.each(fixed)('%j at every split position, and byte by byte', (text) => {
    const input = Buffer.from(text, 'latin1');
    for (let i = 0; i <= input.length; i++) {
      for (let j = i; j <= input.length; j++) {
        const r = both([input.subarray(0, i), input.subarray(i, j), input.subarray(j)]);
        expect(r.ours.toString('latin1'), `split ${i},${j}`).toBe(r.lib.toString('latin1'));
        expect(r.oursState).toEqual(r.libState);
      }
    }
    const r = both([...input].map((b) => Buffer.from([b])));
    expect(r.ours.equals(r.lib)).toBe(true);
  });

  it('over 2,000 generated messages with random chunking', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const rand = rng(seed);
      const parts: string[] = [];
      const n = Math.floor(rand() * 60);
      for (let k = 0; k < n; k++) parts.push(ALPHABET[Math.floor(rand() * ALPHABET.length)] as string);
      const input = Buffer.from(parts.join(''), 'latin1');
      const chunks: Buffer[] = [];
      for (let at = 0; at < input.length; ) {
        const len = 1 + Math.floor(rand() * 8);
        chunks.push(input.subarray(at, at + len));
        at += len;
      }
      const r = both(chunks);
      expect(r.ours.toString('latin1'), `seed ${seed}: ${JSON.stringify(input.toString('latin1'))}`).toBe(r.lib.toString('latin1'));
      expect(r.oursState).toEqual(r.libState);
    }
  });

  it('passes a clean chunk with no line-start dot through as the same buffer', () => {
    const clean = Buffer.from('Subject: x\r\n\r\nbody\r\n');
    const s = { inByteCount: 0, outByteCount: 0, lastByte: false as number | false };
    expect(stuffChunk(clean, s)).toBe(clean);
  });
});
