/**
 * handle-stream: a Readable over an open SpoolFileHandle from an offset, with
 * back-pressure, closing the handle however the stream ends. Not
 * fs.createReadStream, so that every read goes through the injectable SpoolFs.
 */
import { Readable } from 'node:stream';
import type { SpoolFileHandle } from './spool-fs.js';

const CHUNK = 64 * 1024;

/**
 * The caller hands the handle over: the stream closes it. `first`: bytes from
 * `start` on that the caller already read; they come out first and reading
 * goes on after them.
 */
export function handleStream(handle: SpoolFileHandle, start: number, first?: Buffer): Readable {
  let position = start + (first?.length ?? 0);
  let pending = first?.length ? first : undefined;
  const stream = new Readable({
    highWaterMark: CHUNK,
    read() {
      if (pending) {
        const chunk = pending;
        pending = undefined;
        stream.push(chunk);
        return;
      }
      const buf = Buffer.allocUnsafe(CHUNK);
      handle.read(buf, 0, CHUNK, position).then(
        ({ bytesRead }) => {
          if (stream.destroyed) return;
          if (bytesRead === 0) {
            stream.push(null);
            return;
          }
          position += bytesRead;
          stream.push(buf.subarray(0, bytesRead));
        },
        (e: Error) => stream.destroy(e),
      );
    },
    // FileHandle.close() waits for a read still in flight, so this is safe
    // to call at any time; a close error is reported unless one is already.
    destroy(err, callback) {
      handle.close().then(
        () => callback(err),
        (closeErr: Error) => callback(err ?? closeErr),
      );
    },
  });
  return stream;
}

/** Bytes already in memory as a stream (a message that came whole with its first read). */
export function bufferStream(content: Buffer): Readable {
  const stream = new Readable({ read() {} });
  if (content.length) stream.push(content);
  stream.push(null);
  return stream;
}
