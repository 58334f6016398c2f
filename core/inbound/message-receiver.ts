/**
 * message-receiver: moves one message from smtp-server's DATA stream (or a
 * pickup folder file, core/pickup/take-file.ts) into the spool (our Received
 * header, then the data through BodyNormalizer and LineLengthGuard), keeping
 * the header block for the log lines, and aborts the write when it must not
 * be kept (too big 552, line too long 550, client gone, spool failed).
 */
import { PassThrough, type Readable } from 'node:stream';
import { toRelayError, type RelayError } from '../errors/relay-error.js';
import { splitHeaderBlock } from '../message/header-block.js';
import type { SpooledMessage } from '../spool/spool-types.js';
import { BodyNormalizer } from './body-normalizer.js';
import { connectionLost, messageTooBig } from './inbound-replies.js';
import { LineLengthGuard } from './line-length-guard.js';

/** Enough for any sane header block; the log only needs Message-ID and Subject. */
const HEADER_CAP = 64 * 1024;

/**
 * smtp-server's DATA stream, or any stream of message content (the pickup
 * folder's file); `sizeExceeded` is smtp-server's flag for a message over SIZE.
 */
export type MessageSource = Readable & { readonly sizeExceeded?: boolean };

export interface ReceiveOptions {
  source: MessageSource;
  /** Written before the body: the Received header, CRLF-terminated. */
  prefix: string;
  maxBytes: number;
  /**
   * Writes the content durably; typically spool.write bound to an envelope.
   * Called once the client's header block is known (`headers`, capped), so
   * the envelope line written first can carry what it says (the Subject).
   */
  write(content: Readable, headers: Buffer): Promise<SpooledMessage>;
}

export interface Received {
  message: SpooledMessage;
  /** The client's header block (without our Received header), capped. */
  headers: Buffer;
}

/**
 * The source is always read to its end, even after an abort: smtp-server sends
 * the reply only once the DATA stream has ended (RFC 5321 wants the reply after
 * the final dot, not in the middle of the client's data), so an early reply
 * would sit unsent and a paused source would hang the session.
 */
export async function receiveMessage(opts: ReceiveOptions): Promise<Received> {
  const { source } = opts;
  const normalizer = new BodyNormalizer();
  const guard = new LineLengthGuard();
  // Room for the whole header block (HEADER_CAP) while the write waits for
  // it: a smaller buffer would stall the pipe before the block is complete.
  const content = new PassThrough({ highWaterMark: 2 * HEADER_CAP });
  content.write(opts.prefix);
  normalizer.pipe(guard).pipe(content);

  const head: Buffer[] = [];
  let headBytes = 0;
  let headDone = false;
  let headKnown: () => void = () => {};
  const headReady = new Promise<void>((resolve) => (headKnown = resolve));
  normalizer.on('data', (chunk: Buffer) => {
    if (headDone) return;
    head.push(chunk);
    headBytes += chunk.length;
    const sofar = Buffer.concat(head);
    // The blank line ends the block even when no body byte has come yet (the write waits for it).
    headDone = headBytes >= HEADER_CAP || sofar.indexOf('\r\n\r\n') !== -1 || sofar.subarray(0, 2).toString() === '\r\n' || splitHeaderBlock(sofar).bodyOffset < sofar.length;
    if (headDone) headKnown();
  });
  // A message that is all header (no blank line) is known at its end.
  normalizer.once('end', () => headKnown());

  let aborted: RelayError | undefined;
  const abort = (err: RelayError): void => {
    if (aborted) return;
    aborted = err;
    normalizer.unpipe(guard);
    guard.unpipe(content);
    normalizer.destroy();
    guard.destroy();
    content.destroy(err);
    headKnown();
    source.resume(); // keep draining to the final dot, see the header
  };
  // abort() destroys `content` with its reason, and the spool may not be
  // reading it (a write that failed before it began): an 'error' event nobody
  // listens to would take the process down. The reason is not lost: it is
  // what receiveMessage rejects with. Anything else is a reason to abort.
  content.on('error', (e) => {
    if (e !== aborted) abort(toRelayError(e));
  });
  // A line too long (already a client-facing RelayError): keep nothing.
  guard.on('error', (e) => abort(toRelayError(e)));

  source.on('data', (chunk: Buffer) => {
    if (aborted) return;
    if (source.sizeExceeded) {
      abort(messageTooBig(opts.maxBytes));
      return;
    }
    if (!normalizer.write(chunk)) {
      source.pause();
      normalizer.once('drain', () => source.resume());
    }
  });
  source.once('end', () => {
    // smtp-stream sets sizeExceeded for the last chunk just before ending.
    if (source.sizeExceeded) abort(messageTooBig(opts.maxBytes));
    else if (!aborted) normalizer.end();
  });
  // smtp-server destroys the stream (with an error, as we listen for one)
  // when the client disconnects mid-DATA.
  source.once('error', (err) => abort(connectionLost(err)));
  source.once('close', () => {
    if (!source.readableEnded) abort(connectionLost());
  });

  // The write can only resolve after normalizer.end(), which an abort rules
  // out, so a resolved write is a whole, accepted message.
  let message: SpooledMessage;
  try {
    await headReady;
    message = await opts.write(content, splitHeaderBlock(Buffer.concat(head)).headers);
  } catch (e) {
    const err = aborted ?? toRelayError(e);
    abort(err);
    throw err;
  }
  const block = Buffer.concat(head);
  return { message, headers: splitHeaderBlock(block).headers };
}
