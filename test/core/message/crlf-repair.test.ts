import { describe, expect, it } from 'vitest';
import { repairCrlf, type CrlfState } from '../../../core/message/crlf-repair.js';

/** The per-byte loop the BodyNormalizer and LineGuard had before, as the reference. */
function reference(chunks: Buffer[]): { out: string; repaired: number } {
  let pendingCr = false;
  let repaired = 0;
  let out = '';
  for (const chunk of chunks) {
    for (const b of chunk) {
      if (b === 0) {
        repaired++;
        continue;
      }
      if (pendingCr) {
        pendingCr = false;
        out += '\r\n';
        if (b === 10) continue;
        repaired++;
      }
      if (b === 13) pendingCr = true;
      else if (b === 10) {
        out += '\r\n';
        repaired++;
      } else out += String.fromCharCode(b);
    }
  }
  return { out, repaired };
}

function ours(chunks: Buffer[]): { out: string; repaired: number } {
  const state: CrlfState = { pendingCr: false, repaired: 0 };
  const out = chunks.map((c) => repairCrlf(c, state).toString('latin1')).join('');
  return { out, repaired: state.repaired };
}

describe('repairCrlf (indexOf scans) equals the per-byte loop', () => {
  it('over 3,000 generated inputs with random chunking (CRLF, bare LF, lone CR, NUL, dots)', () => {
    const alphabet = ['\r', '\n', '\r\n', '\x00', '.', 'a', 'bc', '\n\r', '\r\x00\n'];
    for (let seed = 1; seed <= 3000; seed++) {
      let s = seed;
      const rand = (): number => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
      const text = Array.from({ length: Math.floor(rand() * 30) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      const input = Buffer.from(text, 'latin1');
      const chunks: Buffer[] = [];
      for (let at = 0; at < input.length; ) {
        const n = 1 + Math.floor(rand() * 6);
        chunks.push(input.subarray(at, at + n));
        at += n;
      }
      // The held CR is the caller's to flush; compare what was passed on before it.
      expect(ours(chunks), `seed ${seed}: ${JSON.stringify(text)}`).toEqual(reference(chunks));
    }
  });

  it('returns a clean chunk itself, uncopied', () => {
    const clean = Buffer.from('a\r\nb\r\n');
    expect(repairCrlf(clean, { pendingCr: false, repaired: 0 })).toBe(clean);
  });
});
