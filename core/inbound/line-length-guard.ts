/**
 * line-length-guard: holds spooled content to RFC 5322 §2.1.1's 998 octets a
 * line: a header field line over it is folded at white space; a body line over
 * it, or a header line with nowhere to fold, fails the stream with EPOLICY 550
 * 5.6.0 (the caller aborts the spool write). Input is CRLF-clean (body-normalizer.ts runs first).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { headerLineTooLong, messageLineTooLong } from './inbound-replies.js';

/** RFC 5322 2.1.1: octets a line may hold, without its CRLF. */
export const MAX_LINE_OCTETS = 998;
/**
 * How much of one header line is buffered while a fold waits for the text
 * after a run of white space: a fold may not leave a line of white space only.
 */
const MAX_FOLD_WAIT = 64 * 1024;
const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;
const CRLF = Buffer.from('\r\n');
const EMPTY = Buffer.alloc(0);
// RFC 5322 3.6.8 field-name (ftext), then the obsolete white space before the colon (4.5).
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;
const FIELD_NAME_SO_FAR = /^[\x21-\x39\x3b-\x7e]*[ \t]*$/;

type Kind = 'unknown' | 'field' | 'continuation' | 'end' | 'other';
const isWsp = (b: number | undefined): boolean => b === 0x20 || b === 0x09;
/** foldPoint: no fold point will do / the best one may once more of the line arrives. */
const NONE = -1;
const WAIT = -2;

/**
 * Why fold headers but refuse body lines: RFC 5322 §2.2.3 unfolding removes a
 * CRLF that stands before white space, so a field folded there means exactly
 * what it meant (relaxed DKIM still verifies). No such rule exists for body
 * text: a line break added there changes the content (quoted-printable, HTML,
 * signed text), so the sender hears about it now, at intake, as KumoMTA does,
 * instead of the message being altered or refused downstream after our 250.
 * A fold never leaves a line of white space only (FWS does not allow it, and
 * some parsers take such a line for the end of the header section).
 * The header section is the run of field lines ("Name:" or a continuation) at
 * the start; the first other line, or the empty line, starts the body.
 */
export class LineLengthGuard extends Transform {
  private inHeader = true;
  /** Header section: the physical line read so far and not yet passed on. */
  private pend: Buffer = EMPTY;
  private pendKind: Kind = 'unknown';
  /** Header section: the last complete line belonged to a field, so a continuation may follow. */
  private inField = false;
  /** Body: octets of the unfinished line so far, its CR included once it came. */
  private bodyLine = 0;
  /** The client's line number (1 = the first line after DATA), for the reply. */
  private line = 1;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const out: Buffer[] = [];
    try {
      const bodyStart = this.inHeader ? this.header(chunk, out) : 0;
      if (bodyStart < chunk.length) {
        this.body(chunk, bodyStart);
        out.push(bodyStart === 0 ? chunk : chunk.subarray(bodyStart));
      }
    } catch (e) {
      done(e as Error);
      return;
    }
    for (const b of out) this.push(b);
    done();
  }

  override _flush(done: TransformCallback): void {
    const out: Buffer[] = [];
    try {
      if (this.inHeader && this.pend.length > 0) {
        if (this.pendKind === 'field' || this.pendKind === 'continuation') this.fold(out, false, false);
        else this.body(this.pend, 0);
        out.push(this.pend);
      }
      if (this.bodyLine > MAX_LINE_OCTETS) throw messageLineTooLong(this.line);
    } catch (e) {
      done(e as Error);
      return;
    }
    for (const b of out) this.push(b);
    done();
  }

  /** Reads header lines from `chunk`; returns where the body starts in it (its length if it does not). */
  private header(chunk: Buffer, out: Buffer[]): number {
    let start = 0;
    while (this.inHeader && start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf === -1 ? chunk.length : lf + 1;
      const piece = chunk.subarray(start, end);
      this.pend = this.pend.length === 0 ? piece : Buffer.concat([this.pend, piece]);
      start = end;
      this.headerLine(out, lf !== -1);
    }
    return start;
  }

  private headerLine(out: Buffer[], complete: boolean): void {
    if (this.pendKind === 'unknown') this.pendKind = classify(this.pend, this.inField, complete);
    const kind = this.pendKind;
    if (kind === 'unknown') return; // too little of the line yet to tell
    if (kind === 'end' || kind === 'other') {
      // The empty line, or text that is no header field: the body starts here.
      this.inHeader = false;
      const rest = this.pend;
      this.pend = EMPTY;
      if (kind === 'end') this.line++;
      else this.body(rest, 0);
      out.push(rest);
      return;
    }
    this.fold(out, complete, !complete);
    if (!complete) return;
    out.push(this.pend);
    this.pend = EMPTY;
    this.pendKind = 'unknown';
    this.inField = true;
    this.line++;
  }

  /**
   * Passes on pieces of the pending field line, each ending in a fold, until
   * what is left fits. `complete`: the pending line ends in its CRLF.
   * `more`: bytes of this line may still come, so a fold may wait for them.
   */
  private fold(out: Buffer[], complete: boolean, more: boolean): void {
    for (;;) {
      const len = contentLength(this.pend, complete);
      if (len <= MAX_LINE_OCTETS) return;
      const f = foldPoint(this.pend, len, this.pendKind === 'field', more && this.pend.length <= MAX_FOLD_WAIT);
      if (f === WAIT) return;
      if (f === NONE) throw headerLineTooLong(this.line);
      out.push(this.pend.subarray(0, f), CRLF);
      this.pend = this.pend.subarray(f); // starts with the white space: a continuation line
      this.pendKind = 'continuation';
    }
  }

  /** Counts body line lengths in `buf` from `from`; throws at the first line over the limit. */
  private body(buf: Buffer, from: number): void {
    let start = from;
    for (;;) {
      const lf = buf.indexOf(LF, start);
      this.bodyLine += (lf === -1 ? buf.length : lf) - start;
      // Unfinished, the count may include the CR of the CRLF to come.
      if (lf === -1) {
        if (this.bodyLine > MAX_LINE_OCTETS + 1) throw messageLineTooLong(this.line);
        return;
      }
      if (this.bodyLine - 1 > MAX_LINE_OCTETS) throw messageLineTooLong(this.line);
      this.bodyLine = 0;
      this.line++;
      start = lf + 1;
    }
  }
}

/** What a line of the header section is, from its first bytes. */
function classify(buf: Buffer, inField: boolean, complete: boolean): Kind {
  if (buf[0] === CR) return complete ? 'end' : 'unknown'; // CRLF-clean: CR is the empty line's
  if (isWsp(buf[0])) return inField ? 'continuation' : 'other';
  const head = buf.toString('latin1', 0, Math.min(buf.length, MAX_LINE_OCTETS + 2)).replace(/\r?\n$/, '');
  if (FIELD_NAME.test(head)) return 'field';
  // Still only name characters so far: the colon may be in the next chunk.
  if (!complete && head.length <= MAX_LINE_OCTETS && FIELD_NAME_SO_FAR.test(head)) return 'unknown';
  return 'other';
}

/** Octets of the line without its CRLF (or without the CR an unfinished line ends with). */
function contentLength(buf: Buffer, complete: boolean): number {
  if (complete) return buf.length - 2;
  return buf[buf.length - 1] === CR ? buf.length - 1 : buf.length;
}

/**
 * Where to fold a line of `len` content octets: a white space at most at
 * MAX_LINE_OCTETS that follows text (so the line before it has some, and
 * does not end in white space) and is followed by text on the rest of the
 * line (so the continuation is not white space only). On a field's first line
 * the fold must come after the colon. The last such point is taken, so lines
 * stay as full as the limit allows. WAIT (only when `canWait`): the last point
 * would do once text follows its run of white space, and more of the line is
 * still to come: better to wait for it than to fold lower down.
 */
function foldPoint(buf: Buffer, len: number, firstLine: boolean, canWait: boolean): number {
  let lo: number;
  if (firstLine) lo = buf.indexOf(COLON) + 1;
  else {
    lo = 0;
    while (lo < len && isWsp(buf[lo])) lo++;
    lo++; // a fold needs text before it on this line
  }
  let lastText = len - 1;
  while (lastText >= 0 && isWsp(buf[lastText])) lastText--;
  for (let f = Math.min(MAX_LINE_OCTETS, len - 1); f >= Math.max(lo, 1); f--) {
    if (!isWsp(buf[f]) || isWsp(buf[f - 1])) continue;
    if (lastText > f) return f;
    if (canWait) return WAIT;
  }
  return NONE;
}
