/**
 * data-terminator: smtp-server's DATA-phase scan (end of data "\r\n.\r\n" and
 * dot-unstuffing, SMTPStream._feedDataStream) with its per-byte JavaScript loop
 * replaced by Buffer.indexOf scans for "\n.", installed once on SMTPStream's
 * prototype after a load-time self-check against the library's own method.
 */
import { performance } from 'node:perf_hooks';
import { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import { tracing } from '../spool/data-path-trace.js';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const LF_DOT = Buffer.from('\n.');
/** smtp-server holds back the last 4 bytes: enough for "\r\n." + one byte of a terminator. */
const HOLD = 4;

type Done = (err?: Error | null) => void;
type Feed = (this: SMTPStream, chunk: Buffer, done: Done) => void;

/** The library's method, kept for the self-check and the differential tests. */
export const libraryFeedDataStream: Feed = SMTPStream.prototype._feedDataStream;

/**
 * The same contract as SMTPStream._feedDataStream, byte for byte (tested against
 * it): a line-start dot is one after LF (not only CRLF, as the library has it);
 * "\r\n.\r\n" ends the data, the CRLF before it being content; ".." at a line
 * start loses a dot; the last 4 bytes wait for the next chunk; a terminator is
 * only looked for with the dot at index >= 2 and 2 bytes after it, as there.
 * One difference that is not visible in the bytes: the library yields a
 * setImmediate per stuffed dot; we unstuff every dot of the chunk in one pass.
 */
export const fastFeedDataStream: Feed = function (this: SMTPStream, input: Buffer, done: Done): void {
  const dataStream = this._dataStream;
  if (!dataStream) throw new Error('smtp-server: data chunk outside data mode');
  let chunk = input;
  if (this._lastBytes && this._lastBytes.length) {
    chunk = Buffer.concat([this._lastBytes, chunk], this._lastBytes.length + chunk.length);
    this._lastBytes = false;
  }
  // Only while no payload byte was consumed can a leading "." be the terminator.
  if (this._atDataStart && chunk.length >= 3 && chunk[0] === DOT && chunk[1] === CR && chunk[2] === LF) {
    if (tracing) Object.assign(dataStream, { finalDotAt: performance.now() });
    this._endDataMode(false, chunk.subarray(3), done);
    return;
  }
  if (this._atDataStart && chunk.length >= 2 && chunk[0] === DOT && chunk[1] === DOT) {
    chunk = chunk.subarray(1);
    this._atDataStart = false;
  }
  const len = chunk.length;
  let from = 0; // bytes before this are passed on
  for (let lf = chunk.indexOf(LF_DOT, 1); lf !== -1; ) {
    const dot = lf + 1;
    if (dot >= len - 2) break; // too close to the end to tell: held back below
    if (chunk[dot - 2] === CR && chunk[dot + 1] === CR && chunk[dot + 2] === LF) {
      if (tracing) Object.assign(dataStream, { finalDotAt: performance.now() });
      const last = chunk.subarray(from, dot);
      this._countDataBytes(last.length);
      this._endDataMode(last, chunk.subarray(dot + 3), done);
      return;
    }
    if (chunk[dot + 1] === DOT) {
      const piece = chunk.subarray(from, dot);
      this._countDataBytes(piece.length);
      if (dataStream.writable) dataStream.write(piece);
      from = dot + 1; // drop the stuffed dot, keep the one after it
    }
    lf = chunk.indexOf(LF_DOT, dot + 1);
  }
  const rest = from === 0 ? chunk : chunk.subarray(from);
  this._lastBytes = rest.length < HOLD ? rest : rest.subarray(rest.length - HOLD);
  if (this._lastBytes.length >= rest.length) {
    done();
    return;
  }
  const piece = rest.subarray(0, rest.length - this._lastBytes.length);
  this._countDataBytes(piece.length);
  if (!dataStream.writable) {
    done();
    return;
  }
  if (dataStream.write(piece) || dataStream.destroyed) {
    done();
    return;
  }
  // Backpressure: continue once the reader drained, or destroyed the stream (it never drains then).
  const onDrain = (): void => {
    dataStream.removeListener('drain', onDrain);
    dataStream.removeListener('close', onDrain);
    done();
  };
  dataStream.once('drain', onDrain);
  dataStream.once('close', onDrain);
};

interface Outcome {
  written: string[];
  ended?: { last: string | false; remainder: string };
  held: string;
}

/** Runs `chunks` through `feed` on a fresh SMTPStream in data mode, synchronously, recording what it does. */
export function traceFeed(feed: Feed, chunks: Buffer[]): Outcome {
  const s = new SMTPStream();
  s.startDataMode();
  const outcome: Outcome = { written: [], held: '' };
  const sink = { writable: true, destroyed: false, write: (b: Buffer) => outcome.written.push(b.toString('latin1')) > 0, once() {}, removeListener() {} };
  s._dataStream = sink as unknown as NonNullable<SMTPStream['_dataStream']>;
  s._endDataMode = (last, remainder) => {
    outcome.ended = { last: last && last.toString('latin1'), remainder: remainder.toString('latin1') };
  };
  for (const c of chunks) if (!outcome.ended) feed.call(s, c, () => {});
  outcome.held = s._lastBytes ? s._lastBytes.toString('latin1') : '';
  return outcome;
}

/** Inputs with no stuffed dot (the library's unstuffing yields a setImmediate, so it is tested in test/ instead). */
const CHECK_INPUTS = ['a\r\n.\r\nQUIT\r\n', '.\r\nNOOP\r\n', 'x\n.\ry\r\n.\n\r\n.\r\n', 'ab\r\n.', '\r\n.\r\n'];

function selfCheck(): void {
  const fresh = new SMTPStream();
  const methods = ['_feedDataStream', '_endDataMode', '_countDataBytes', 'startDataMode'] as const;
  for (const m of methods) if (typeof fresh[m] !== 'function') throw new Error(`SMTPStream.${m} is gone`);
  fresh.startDataMode();
  if (fresh._lastBytes !== false || fresh._atDataStart !== true || !fresh._dataStream || fresh._dataMode !== true) {
    throw new Error('SMTPStream no longer keeps _lastBytes, _atDataStart, _dataStream, _dataMode');
  }
  for (const text of CHECK_INPUTS) {
    const input = Buffer.from(text, 'latin1');
    for (let i = 0; i <= input.length; i++) {
      const chunks = [input.subarray(0, i), input.subarray(i)];
      if (JSON.stringify(traceFeed(libraryFeedDataStream, chunks)) !== JSON.stringify(traceFeed(fastFeedDataStream, chunks))) {
        throw new Error(`the end-of-data scan differs from ours on ${JSON.stringify(text)} split at ${i}`);
      }
    }
  }
}

let installed = false;

/**
 * Why a prototype override and not a stream of our own: smtp-server creates its
 * SMTPStream parser inside SMTPConnection (_createParser) and pipes the socket
 * into it; its only DATA hook, onData, receives the already-unstuffed stream, so
 * the scan has run before any public hook sees a byte. The override is one
 * method with the library's own contract, checked at install against the
 * library's method on real SMTPStreams: if an upgrade moved or changed it, the
 * relay refuses to start saying so, instead of parsing DATA differently from
 * smtp-server (a smuggling risk). smtp-server is pinned in package.json
 * (verified on 3.21.6). Idempotent.
 */
export function installDataTerminator(): void {
  if (installed) return;
  try {
    selfCheck();
  } catch (e) {
    throw new Error(`smtp-server's internals changed (core/inbound/data-terminator.ts was verified on 3.21.6): ${(e as Error).message}; re-run test/core/inbound/data-terminator.test.ts and update the override`, { cause: e });
  }
  SMTPStream.prototype._feedDataStream = fastFeedDataStream;
  installed = true;
}
