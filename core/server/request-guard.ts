/**
 * request-guard: who may talk to the control server: the Host values that name
 * it, the Origin check, and the constant-time bearer-token check. allowedHosts()
 * raises RelayError ECONFIG for a wildcard bind address.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { RelayError } from '../errors/relay-error.js';

const LOOPBACK_NAMES = new Set(['127.0.0.1', '::1', 'localhost']);

/** `host:port` as it appears in a Host header / URL (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host.toLowerCase()}:${port}`;
}

/**
 * The Host header values that name this server. A loopback bind also answers
 * to the other loopback spellings: they cannot be rebound by a remote page.
 *
 * Why Host matters on loopback: a web page on evil.example can make its name
 * resolve to 127.0.0.1 (DNS rebinding) and then talk to this port as "same
 * origin". The browser still sends `Host: evil.example:8025`, so accepting only
 * our own host:port defeats it. The token does too, but defence in depth: the
 * static files need no token and must not be readable that way either.
 */
export function allowedHosts(host: string, port: number, names: readonly string[] = []): Set<string> {
  if (host === '0.0.0.0' || host === '::') {
    // A wildcard has no name of its own for the Host check to compare with,
    // and the control API is meant for one interface (loopback by default).
    throw new RelayError({
      code: 'ECONFIG',
      message: `control.host: must be one specific address (e.g. 127.0.0.1), not the wildcard ${host}`,
      temporary: false,
    });
  }
  const out = new Set([hostPort(host, port)]);
  if (LOOPBACK_NAMES.has(host.toLowerCase())) for (const n of LOOPBACK_NAMES) out.add(hostPort(n, port));
  // Off loopback (always with TLS) a client may use the relay's name rather
  // than its address: the names the caller passes are the relay's hostname
  // and its certificate's subjectAltNames, which the operator controls. A
  // rebinding page's own name is never among them, and its browser would
  // fail the certificate check anyway.
  for (const n of names) out.add(hostPort(n, port));
  return out;
}

export type GuardResult = { ok: true } | { ok: false; status: 403; message: string };

/** Host must be ours; an Origin, when the browser sends one, must be ours too. */
export function checkHostAndOrigin(req: IncomingMessage, allowed: ReadonlySet<string>, scheme: 'http' | 'https' = 'http'): GuardResult {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!allowed.has(host)) {
    return { ok: false, status: 403, message: `Host "${host.slice(0, 100)}" is not this relay's address` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    // "null" (sandboxed frames, file://) and any other site are refused alike.
    const m = /^([a-z]+):\/\/([^/]+)$/.exec(origin.toLowerCase());
    if (m?.[1] !== scheme || !m[2] || !allowed.has(m[2])) {
      return { ok: false, status: 403, message: `Origin "${origin.slice(0, 100)}" is not this relay's dashboard` };
    }
  }
  return { ok: true };
}

/**
 * Compares through SHA-256 digests so that timingSafeEqual gets equal
 * lengths and the time taken says nothing about the token's length or prefix.
 */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of `Authorization: Bearer <token>`, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(h);
  return m?.[1];
}
