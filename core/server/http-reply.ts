/**
 * http-reply: how every control-server response is written: the security
 * headers (DESIGN.md "Security defaults"), JSON replies, and error replies as
 * ControlErrorBody.
 */
import type { ServerResponse } from 'node:http';
import type { ControlErrorBody } from '../control/contract.js';

/**
 * The dashboard needs nothing from elsewhere and no inline script (its Vite
 * build is CSP-clean); inline styles are allowed because Svelte transitions
 * set style attributes. frame-ancestors 'none' stops clickjacking of the
 * "retry all" and "delete" buttons.
 */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

export function setSecurityHeaders(res: ServerResponse): void {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body === undefined ? null : body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    // Queue contents are live data: never from a cache.
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  status: number,
  error: ControlErrorBody['error'],
  extra: Record<string, string> = {},
): void {
  const body: ControlErrorBody = { error: error.field === undefined ? { code: error.code, message: error.message } : error };
  sendJson(res, status, body, extra);
}
