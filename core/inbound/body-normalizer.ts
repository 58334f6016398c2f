/**
 * body-normalizer: every line end in the message content becomes CRLF (a bare
 * LF or CR too) and NUL bytes are dropped, between smtp-server's DATA stream and
 * the spool, like Postfix's `smtpd_forbid_bare_newline = normalize`.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { isCrlfClean } from '../message/crlf-clean.js';

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

/**
 * The smuggling defence's second half: smtp-server ends DATA only on CRLF.CRLF,
 * so "\n.\n" and friends arrive here as content, and normalising them means no
 * later hop can read them as an end of data with a different, laxer parser.
 * Chunk boundaries: a CR at the end of a chunk is held back until the next byte
 * is known, so "...\r" + "\n..." is one CRLF, not CRLF + CRLF. NUL bytes are
 * dropped before pairing, so "\r\0\n" is one CRLF too.
 */
export class BodyNormalizer extends Transform {
  private pendingCr = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // Almost all mail is already clean: pass it through untouched.
    if (!this.pendingCr && isCrlfClean(chunk)) {
      callback(null, chunk);
      return;
    }
    // Worst case every byte is a bare LF: twice the size, plus a held CR.
    const out = Buffer.allocUnsafe(chunk.length * 2 + 2);
    let o = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === NUL) continue;
      if (this.pendingCr) {
        this.pendingCr = false;
        out[o++] = CR;
        out[o++] = LF;
        if (b === LF) continue; // that CR and this LF were one CRLF
        // otherwise the CR was bare, and b is handled below as usual
      }
      if (b === CR) {
        this.pendingCr = true;
      } else if (b === LF) {
        out[o++] = CR;
        out[o++] = LF;
      } else {
        out[o++] = b;
      }
    }
    callback(null, o > 0 ? out.subarray(0, o) : undefined);
  }

  override _flush(callback: TransformCallback): void {
    if (this.pendingCr) {
      this.pendingCr = false;
      this.push(Buffer.from('\r\n'));
    }
    callback();
  }
}
