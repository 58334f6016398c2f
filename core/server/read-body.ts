/**
 * read-body: the JSON body of a control request: application/json only, at
 * most 64 KiB (checked from Content-Length and again while reading, so a chunked
 * body cannot get past it). Raises BodyError with the status to answer (400, 413, 415).
 */
import type { IncomingMessage } from 'node:http';

export const MAX_BODY_BYTES = 64 * 1024;

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

function isJsonType(ct: string): boolean {
  const mime = ct.split(';')[0]?.trim().toLowerCase();
  return mime === 'application/json';
}

/**
 * Resolves with the parsed body, or undefined for an empty one. A non-JSON
 * content type is refused even with an empty body: an HTML form from another
 * site can only send form and text types, and a rule without exceptions is
 * easier to trust.
 */
export async function readJsonBody(req: IncomingMessage, max = MAX_BODY_BYTES): Promise<unknown> {
  const ct = req.headers['content-type'];
  const declared = req.headers['content-length'];
  const hasBody = (declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (ct !== undefined ? !isJsonType(ct) : hasBody) {
    throw new BodyError(415, 'EMEDIATYPE', 'request body must be application/json');
  }
  if (declared !== undefined && Number(declared) > max) {
    throw new BodyError(413, 'ETOOLARGE', `request body over ${max} bytes`);
  }
  // Events rather than for-await: leaving a for-await loop early destroys the
  // request, and with it the socket the 413 must still be written to.
  const chunks = await new Promise<Buffer[]>((resolve, reject) => {
    const out: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > max) {
        // Stop reading at once; the caller answers 413 and closes the connection.
        req.off('data', onData);
        req.pause();
        reject(new BodyError(413, 'ETOOLARGE', `request body over ${max} bytes`));
        return;
      }
      out.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(out));
    req.once('error', reject);
  });
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new BodyError(400, 'EARGS', `request body is not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
}
