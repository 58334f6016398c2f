/**
 * line-guard: the last look at a message's bytes before they leave: every line
 * ends CRLF and NUL bytes are dropped (RFC 5321 §4.5.2, RFC 5322 §2.3).
 * Dot-stuffing and the final dot are nodemailer's (DataStream).
 */
import { isCrlfClean } from '../message/crlf-clean.js';
import { Transform, type TransformCallback } from 'node:stream';

const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;

/**
 * Defence in depth: the inbound side already normalises what it spools, but a
 * spool file written by an older version, edited by hand or damaged must never
 * carry a bare-LF "<LF>.<LF>" past us to a server that would read it as the end
 * of data (SMTP smuggling). Stuffing dots here too would double them (tested).
 */
export class LineGuard extends Transform {
  /** The previous chunk ended in CR: its LF, if any, starts this chunk. */
  private pendingCr = false;
  /** Bytes changed (added CRs/LFs, removed NULs), for tests and diagnostics. */
  repaired = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    // Fast path: no CR at a chunk edge, no NUL, and every LF preceded by CR.
    if (!this.pendingCr && isCrlfClean(chunk)) {
      done(null, chunk);
      return;
    }
    const out = Buffer.allocUnsafe(chunk.length * 2 + 2);
    let o = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      // NUL first, so that CR NUL LF is still one line break.
      if (b === NUL) {
        this.repaired++;
        continue;
      }
      if (this.pendingCr) {
        this.pendingCr = false;
        out[o++] = CR;
        out[o++] = LF;
        if (b === LF) continue;
        this.repaired++; // bare CR
      }
      if (b === CR) {
        this.pendingCr = true;
      } else if (b === LF) {
        out[o++] = CR;
        out[o++] = LF;
        this.repaired++; // bare LF
      } else {
        out[o++] = b;
      }
    }
    done(null, out.subarray(0, o));
  }

  override _flush(done: TransformCallback): void {
    if (this.pendingCr) {
      this.pendingCr = false;
      this.repaired++;
      done(null, Buffer.from([CR, LF]));
      return;
    }
    done();
  }
}

