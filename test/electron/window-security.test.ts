import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  CONTENT_SECURITY_POLICY,
  isAllowedNavigation,
  isTrustedSender,
  resolveAppFile,
  responseHeaders,
} from '../../electron/window-security.js';
import { FakeSender } from '../helpers/fake-electron.js';
import { tempDir } from '../helpers/temp-dir.js';

let root: string;
let removeTemp: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, remove: removeTemp } = await tempDir('rw-renderer-'));
});
afterAll(async () => {
  await removeTemp();
});

describe('window security', () => {
  it('has a CSP with no remote sources, no inline or eval scripts', () => {
    const d = Object.fromEntries(CONTENT_SECURITY_POLICY.split(';').map((x) => x.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(d['default-src']).toEqual(["'none'"]);
    expect(d['script-src']).toEqual(["'self'"]);
    expect(d['object-src']).toEqual(["'none'"]);
    expect(d['base-uri']).toEqual(["'none'"]);
    expect(d['frame-ancestors']).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(responseHeaders('/x/index.html')).toMatchObject({ 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'Content-Type': 'text/html; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    expect(responseHeaders('/x/app.js')['Content-Type']).toBe('text/javascript; charset=utf-8');
  });

  it('maps app URLs to files inside the renderer folder only', () => {
    expect(resolveAppFile(root, APP_ENTRY_URL)).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'relaywatch://app/')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'relaywatch://app/assets/index-abc.js?v=1#x')).toBe(join(root, 'assets', 'index-abc.js'));
    // Dot-segments are either folded away by URL parsing (staying inside) or refused.
    for (const sneaky of [
      'relaywatch://app/../../etc/passwd',
      'relaywatch://app/%2e%2e/%2e%2e/etc/passwd',
      'relaywatch://app/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret',
      'relaywatch://app/..%2f..%2f..%2fsecret',
    ]) {
      const file = resolveAppFile(root, sneaky);
      expect(file === null || file.startsWith(root + sep), `${sneaky} → ${file}`).toBe(true);
    }
    expect(resolveAppFile(root, 'relaywatch://app/..%2f..%2fsecret')).toBeNull();
    for (const bad of [
      'relaywatch://app/a%00b',
      'relaywatch://app/..%5c..%5cwindows',
      'relaywatch://other/index.html',
      'file:///etc/passwd',
      'https://example.com/index.html',
      'relaywatch://app/%E0%A4%A',
      'not a url',
    ]) {
      expect(resolveAppFile(root, bad), bad).toBeNull();
    }
  });

  it('trusts only the top frame of our own window showing our scheme', () => {
    const ours = new Set([7]);
    expect(isTrustedSender(new FakeSender(7, 'relaywatch://app/index.html', true), ours)).toBe(true);
    expect(isTrustedSender(new FakeSender(7, 'relaywatch://app/index.html', false), ours)).toBe(false);
    expect(isTrustedSender(new FakeSender(8, 'relaywatch://app/index.html', true), ours)).toBe(false);
    expect(isTrustedSender(new FakeSender(7, 'https://evil.example/', true), ours)).toBe(false);
    expect(isTrustedSender(new FakeSender(7, 'file:///tmp/x.html', true), ours)).toBe(false);
    expect(isTrustedSender(new FakeSender(7, 'relaywatch://app.evil/index.html', true), ours)).toBe(false);
    expect(isTrustedSender(new FakeSender(7, null, true), ours)).toBe(false);
  });

  it('allows no navigation at all', () => {
    for (const url of [APP_ENTRY_URL, 'https://example.com/', 'file:///etc/passwd', 'javascript:alert(1)']) expect(isAllowedNavigation(url)).toBe(false);
  });
});
