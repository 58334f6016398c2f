/**
 * line-guard: the last look at a message's bytes before they leave: every line
 * ends CRLF and NUL bytes are dropped (RFC 5321 §4.5.2, RFC 5322 §2.3).
 * Dot-stuffing and the final dot are nodemailer's DataStream, with our indexOf
 * transform (dot-stuffing.ts).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { repairCrlf, type CrlfState } from '../message/crlf-repair.js';

/**
 * Defence in depth: the inbound side already normalises what it spools, but a
 * spool file written by an older version, edited by hand or damaged must never
 * carry a bare-LF "<LF>.<LF>" past us to a server that would read it as the end
 * of data (SMTP smuggling). Stuffing dots here too would double them (tested).
 */
export class LineGuard extends Transform {
  private readonly state: CrlfState = { pendingCr: false, repaired: 0 };

  /** Bytes changed (added CRs/LFs, removed NULs), for tests and diagnostics. */
  get repaired(): number {
    return this.state.repaired;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    done(null, repairCrlf(chunk, this.state));
  }

  override _flush(done: TransformCallback): void {
    if (this.state.pendingCr) {
      this.state.pendingCr = false;
      this.state.repaired++; // a bare CR at the very end
      done(null, Buffer.from('\r\n'));
      return;
    }
    done();
  }
}
