/**
 * write-content: fills a new spool file with the envelope line and the content
 * (a Buffer, or a stream pulled one batch at a time so a fast client meets
 * back-pressure). A stream cut off without an error fails too
 * (ERR_STREAM_PREMATURE_CLOSE): a truncated message is never committed.
 */
import { traceMark } from './data-path-trace.js';
import type { Readable } from 'node:stream';
import { writeFully, type SpoolFileHandle } from './spool-fs.js';
import { spoolIoError } from './spool-errors.js';

const BATCH = 256 * 1024;

export interface Filled {
  /** The content's byte count. */
  size: number;
  /** The content as one buffer, when the message went to disk in one write (no copy is made for it). */
  whole: Buffer | undefined;
}

/** Writes `head` then the content. */
export async function fillContent(handle: SpoolFileHandle, head: Buffer, content: Buffer | Readable, mid: number): Promise<Filled> {
  if (Buffer.isBuffer(content)) {
    if (content.length <= BATCH) {
      await writeFully(handle, Buffer.concat([head, content]));
    } else {
      await writeFully(handle, head);
      await writeFully(handle, content);
    }
    return { size: content.length, whole: content };
  }

  let batch: Buffer[] = [head];
  let batchBytes = head.length;
  let size = 0;
  let writes = 0;
  for await (const chunk of tagErrors(content, mid)) {
    size += chunk.length;
    batch.push(chunk);
    batchBytes += chunk.length;
    if (batchBytes >= BATCH) {
      await writeFully(handle, Buffer.concat(batch, batchBytes));
      writes++;
      batch = [];
      batchBytes = 0;
    }
  }
  traceMark(mid, 'contentEnd');
  if (batchBytes === 0) return { size, whole: undefined };
  const last = Buffer.concat(batch, batchBytes);
  await writeFully(handle, last);
  return { size, whole: writes === 0 ? last.subarray(head.length) : undefined };
}

/**
 * Call synchronously when the write starts: the producer may destroy the
 * stream with an error while the temp file is still being opened (the
 * receiver does when a client sends too much), and an 'error' with no
 * listener would crash the process. The error is not lost: a destroyed
 * stream keeps it and the iteration in fillContent rethrows it; if the write
 * already failed for another reason, that reason is what the caller gets.
 */
export function listenForStreamErrors(content: Buffer | Readable): void {
  if (!Buffer.isBuffer(content)) content.on('error', noteOnly);
}

function noteOnly(this: Readable, _err: Error): void {
  // Deliberately nothing: see listenForStreamErrors (stream.errored keeps it).
}

/** The stream's chunks as Buffers; its errors become RelayErrors, so they read as the source's fault. */
async function* tagErrors(stream: Readable, mid: number): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream as AsyncIterable<unknown>) yield toBuffer(chunk);
  } catch (e) {
    throw spoolIoError(e, `MID ${mid}: content stream failed`);
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`content stream produced a ${typeof chunk}, not bytes`);
}
