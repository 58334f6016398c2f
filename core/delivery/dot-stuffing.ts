/**
 * dot-stuffing: nodemailer's DataStream (dot-stuffing, bare CR/LF to CRLF, the
 * final dot) with its per-byte JavaScript loop replaced by Buffer.indexOf scans,
 * on an SMTPConnection subclass; plus the load-time self-check that proves the
 * replacement still matches the library byte for byte.
 */
import { Writable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const INSERT_LF = Buffer.from('\n');
const INSERT_LF_DOT = Buffer.from('\n.');
const INSERT_CR = Buffer.from('\r');
const INSERT_DOT = Buffer.from('.');

/** The DataStream fields our _transform keeps as nodemailer's does (its logs and messageSize read them). */
interface DataStreamFields {
  inByteCount: number;
  outByteCount: number;
  /** The last byte of the previous chunk; false before the first. */
  lastByte: number | false;
}
type TransformFn = (chunk: Buffer | string, enc: BufferEncoding, done: (err?: Error | null) => void) => void;
type DataStreamLike = Writable & DataStreamFields & { _transform: TransformFn; push(b: Buffer): boolean };

/**
 * Exactly DataStream._transform's output: before a byte that follows a bare CR,
 * "\n" ("\n." when it is a dot: a dot after a bare CR is stuffed too, against
 * "\r.\r" smuggling); before a bare LF, "\r"; before a dot at a line start, ".".
 * Only CRs, LFs and "\n." are visited, via indexOf.
 */
export function stuffChunk(chunk: Buffer, s: DataStreamFields): Buffer {
  s.inByteCount += chunk.length;
  const out: Buffer[] = [];
  let from = 0; // start of the bytes not yet passed on
  const insert = (at: number, b: Buffer): void => {
    if (at > from) out.push(chunk.subarray(from, at));
    out.push(b);
    from = at;
  };
  const prev0 = s.lastByte;
  if (prev0 === CR && chunk[0] !== LF) insert(0, chunk[0] === DOT ? INSERT_LF_DOT : INSERT_LF);
  else if (chunk[0] === LF && prev0 !== CR) insert(0, INSERT_CR);
  else if (chunk[0] === DOT && (prev0 === LF || prev0 === false)) insert(0, INSERT_DOT);
  // Every later insertion point is a CR or LF or the byte after one.
  let cr = chunk.indexOf(CR);
  let lf = chunk.indexOf(LF);
  while (cr !== -1 || lf !== -1) {
    const at = cr !== -1 && (lf === -1 || cr < lf) ? cr : (lf as number);
    const next = at + 1;
    if (at === cr) {
      // The byte after a CR: nothing if it is LF (a CRLF), else the CR was bare.
      if (next < chunk.length && chunk[next] !== LF) insert(next, chunk[next] === DOT ? INSERT_LF_DOT : INSERT_LF);
      cr = chunk.indexOf(CR, next);
    } else {
      // A bare LF at `at` (position 0 was handled above), then a dot after any LF.
      if (at > 0 && chunk[at - 1] !== CR) insert(at, INSERT_CR);
      if (next < chunk.length && chunk[next] === DOT) insert(next, INSERT_DOT);
      lf = chunk.indexOf(LF, next);
    }
  }
  s.lastByte = chunk[chunk.length - 1] as number;
  if (out.length === 0) {
    s.outByteCount += chunk.length;
    return chunk;
  }
  if (from < chunk.length) out.push(chunk.subarray(from));
  const buf = Buffer.concat(out);
  s.outByteCount += buf.length;
  return buf;
}

function fastTransform(this: DataStreamLike, chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
  if (!chunk || chunk.length === 0) {
    done();
    return;
  }
  this.push(stuffChunk(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, this));
  done();
}

interface SendStreamInternals {
  _createSendStream(callback: (err: Error | null, str?: string) => void): DataStreamLike;
}
const proto = SMTPConnection.prototype as unknown as SendStreamInternals;
const libraryCreateSendStream = proto._createSendStream;

/**
 * Why a subclass that reaches into nodemailer: its DataStream is created inside
 * SMTPConnection._createSendStream and piped straight to the socket; no option
 * or argument takes our own stream, and nothing sends pre-stuffed data (send()
 * always pipes the message through a new DataStream). So the one seam is the
 * method that creates it: we call nodemailer's own _createSendStream (LMTP,
 * response handling, logging all stay its) and only replace the new stream's
 * _transform. selfCheck() below proves at load time, on nodemailer's real
 * DataStream, that the method and fields are still there and that our output
 * equals the library's on every tricky input: if an upgrade changed either,
 * the relay refuses to start with a message saying so, instead of silently
 * stuffing differently. nodemailer is pinned in package.json (verified on 10.6.0).
 */
export class FastDataSmtpConnection extends SMTPConnection {}
(FastDataSmtpConnection.prototype as unknown as SendStreamInternals)._createSendStream = function (this: SMTPConnection, callback) {
  const stream = libraryCreateSendStream.call(this, callback);
  stream._transform = fastTransform;
  return stream;
};

/** A real DataStream, made by nodemailer's own _createSendStream on a stand-in connection. */
export function libraryDataStream(): DataStreamLike {
  const standIn = { _envelope: {}, options: {}, _responseActions: [], _socket: new Writable({ write: (_c, _e, cb) => cb() }), logger: { info() {}, debug() {} } };
  return libraryCreateSendStream.call(standIn as never, () => {});
}

/** Runs `chunks` through one transform on `stream`, synchronously, and returns what it pushed. */
export function runTransform(stream: DataStreamLike, transform: TransformFn, chunks: Buffer[]): Buffer {
  const out: Buffer[] = [];
  // Collect on the stream itself (its counters are what is compared), not through its readable side.
  stream.push = (b: Buffer) => out.push(b) > 0;
  for (const c of chunks) {
    transform.call(stream, c, 'buffer' as BufferEncoding, (err) => {
      if (err) throw err;
    });
  }
  return Buffer.concat(out);
}

/** Inputs that reach every branch of the library's loop, split at every position. */
const CHECK_INPUTS = ['.a\r\n..b\r\n.\r\nc', 'x\n.\ny\r.\rz\r\r\n\n\r', '\r\n.\r\n', '..\n\r.', 'a.b\r\n.'];

function selfCheck(): void {
  if (typeof libraryCreateSendStream !== 'function') throw new Error('SMTPConnection._createSendStream is gone');
  const probe = libraryDataStream();
  if (typeof probe._transform !== 'function' || probe.lastByte !== false || probe.inByteCount !== 0 || probe.outByteCount !== 0) {
    throw new Error('DataStream no longer has _transform, lastByte, inByteCount, outByteCount');
  }
  for (const text of CHECK_INPUTS) {
    const input = Buffer.from(text, 'latin1');
    for (let i = 0; i <= input.length; i++) {
      const chunks = [input.subarray(0, i), input.subarray(i)];
      const a = libraryDataStream();
      const b = libraryDataStream();
      if (!runTransform(a, a._transform, chunks).equals(runTransform(b, fastTransform, chunks)) || a.outByteCount !== b.outByteCount || a.lastByte !== b.lastByte) {
        throw new Error(`DataStream's dot-stuffing differs from ours on ${JSON.stringify(text)} split at ${i}`);
      }
    }
  }
}

try {
  selfCheck();
} catch (e) {
  throw new Error(`nodemailer's internals changed (core/delivery/dot-stuffing.ts was verified on 10.6.0): ${(e as Error).message}; re-run test/core/delivery/dot-stuffing.test.ts and update the override`, { cause: e });
}
