/**
 * window-security: what keeps the window a window onto the relay and nothing more
 * (Electron's security checklist; DESIGN.md "Security defaults"): the app's own
 * scheme and its file mapping, the strict CSP, and which IPC senders are trusted.
 * Wiring them into Electron, and the webPreferences, stay in main.ts, where scanners see them.
 */
import { extname, resolve, sep } from 'node:path';
import type { IpcSender } from './ports.js';

export const APP_SCHEME = 'relaywatch';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * No remote content of any kind; scripts only from the app's own files (no
 * inline scripts, no eval). Inline styles are allowed because Svelte sets
 * style attributes for layout; they cannot run code.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "object-src 'none'",
  "worker-src 'none'",
].join('; ');

/** Only the top frame of one of our own windows, showing our own pages, may talk to main. */
export function isTrustedSender(s: IpcSender, windowIds: ReadonlySet<number>): boolean {
  if (!s.isMainFrame || s.frameUrl === null || !windowIds.has(s.webContentsId)) return false;
  let u: URL;
  try {
    u = new URL(s.frameUrl);
  } catch {
    return false;
  }
  return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
}

/** Every navigation away from the page is refused (the app is one page; links to elsewhere are bugs or attacks). */
export function isAllowedNavigation(_url: string): boolean {
  return false;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export function responseHeaders(file: string): Record<string, string> {
  return {
    'Content-Type': contentTypeOf(file),
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
}

/** The file under `rootDir` that a relaywatch://app/... URL names, or null. */
export function resolveAppFile(rootDir: string, requestUrl: string): string | null {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  if (path === '/' || path === '') path = '/index.html';
  const root = resolve(rootDir);
  const file = resolve(root, `.${path}`);
  // Encoded dot-segments (%2e%2e) survive URL parsing; the resolved path is the real test.
  if (!file.startsWith(root + sep)) return null;
  return file;
}
