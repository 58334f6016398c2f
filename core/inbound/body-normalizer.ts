/**
 * body-normalizer: every line end in the message content becomes CRLF (a bare
 * LF or CR too) and NUL bytes are dropped, between smtp-server's DATA stream and
 * the spool, like Postfix's `smtpd_forbid_bare_newline = normalize`.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { repairCrlf, type CrlfState } from '../message/crlf-repair.js';

/**
 * The smuggling defence's second half: smtp-server ends DATA only on CRLF.CRLF,
 * so "\n.\n" and friends arrive here as content, and normalising them means no
 * later hop can read them as an end of data with a different, laxer parser.
 * Chunk boundaries: a CR at the end of a chunk is held back until the next byte
 * is known, so "...\r" + "\n..." is one CRLF, not CRLF + CRLF. NUL bytes are
 * dropped before pairing, so "\r\0\n" is one CRLF too.
 */
export class BodyNormalizer extends Transform {
  private readonly state: CrlfState = { pendingCr: false, repaired: 0 };

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const out = repairCrlf(chunk, this.state);
    callback(null, out.length > 0 ? out : undefined);
  }

  override _flush(callback: TransformCallback): void {
    if (this.state.pendingCr) {
      this.state.pendingCr = false;
      this.push(Buffer.from('\r\n'));
    }
    callback();
  }
}
