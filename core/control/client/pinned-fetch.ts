/**
 * pinned-fetch: a fetch for the control client over HTTPS that trusts one
 * certificate, by its SHA-256 fingerprint (a pairing code's, or relay.json's),
 * instead of a CA: the relay's certificate is usually self-signed. The pin is
 * checked after the handshake and before a byte of the request (the bearer token) is sent.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { connect, type TLSSocket } from 'node:tls';

/** "ab:cd…" or "ABCD…" → "AB:CD:…", as X509Certificate.fingerprint256 writes it; undefined if not 32 bytes of hex. */
export function normalizeFingerprint(fp: string): string | undefined {
  const hex = fp.replace(/:/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return undefined;
  return hex.match(/../g)!.join(':');
}

export class FingerprintMismatch extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`the relay's certificate is not the one paired with (expected SHA-256 ${expected}, got ${actual}); nothing was sent. If the relay's certificate was renewed, pair again`);
    this.name = 'FingerprintMismatch';
  }
}

/** Connects, checks the pin, and only then hands the socket to the HTTP client. */
function pinnedSocket(host: string, port: number, pin: string, signal: AbortSignal | null | undefined): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // rejectUnauthorized false: no CA vouches for a self-signed certificate;
    // the fingerprint below is the whole check, and a stricter one than a CA's.
    const s = connect({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    const onAbort = (): void => {
      s.destroy();
      reject(new DOMException('aborted', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    s.once('secureConnect', () => {
      signal?.removeEventListener('abort', onAbort);
      const actual = s.getPeerCertificate().fingerprint256 ?? '';
      if (normalizeFingerprint(actual) !== pin) {
        s.destroy();
        return reject(new FingerprintMismatch(pin, actual));
      }
      resolve(s);
    });
    s.once('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
  });
}

/** A fetch (the subset the control client uses: method, headers, string body, signal, streamed reply) pinned to `fingerprint256`. */
export function pinnedFetch(fingerprint256: string): typeof fetch {
  const pin = normalizeFingerprint(fingerprint256);
  if (!pin) throw new TypeError(`not a SHA-256 fingerprint: ${fingerprint256.slice(0, 100)}`);
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== 'https:') throw new TypeError(`a pinned connection is HTTPS only, not ${url.protocol}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || 443);
    const signal = init.signal;
    if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    // A wrapped error, as fetch's own "fetch failed" with a cause: the client reports the cause.
    const socket = await pinnedSocket(host, port, pin, signal).catch((e: unknown) => {
      if ((e as Error).name === 'AbortError') throw e;
      throw new TypeError('fetch failed', { cause: e });
    });
    const headers: Record<string, string> = { host: url.host, connection: 'close' };
    new Headers(init.headers).forEach((v, k) => (headers[k] = v));
    const body = typeof init.body === 'string' ? init.body : undefined;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest({ method: init.method ?? 'GET', path: `${url.pathname}${url.search}`, headers, createConnection: () => socket }, resolve);
      const onAbort = (): void => {
        req.destroy();
        reject(new DOMException('aborted', 'AbortError'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.once('response', () => signal?.removeEventListener('abort', onAbort));
      req.once('error', (e) => {
        signal?.removeEventListener('abort', onAbort);
        reject(new TypeError('fetch failed', { cause: e }));
      });
      req.end(body);
    });
    // Removed when the reply ends: a watcher's signal lives for hours and sees thousands of requests.
    const onResAbort = (): void => void res.destroy();
    signal?.addEventListener('abort', onResAbort, { once: true });
    res.once('close', () => signal?.removeEventListener('abort', onResAbort));
    const h = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
    const status = res.statusCode ?? 502;
    const stream = status === 204 || status === 304 ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
    return new Response(stream, { status, headers: h });
  };
}
