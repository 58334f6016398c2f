/**
 * The dashboard files served by the control server: no token needed, strict
 * security headers, content types, cache policy, SPA fallback, and no way out
 * of the static folder.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CSP } from '../../../core/server/http-reply.js';
import { rawRequest, startFakeServer, TOKEN, type TestServer } from '../../helpers/fake-control.js';
import { tempDir } from '../../helpers/temp-dir.js';

let t: TestServer;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function withDashboard(): Promise<{ root: string; outside: string }> {
  const { dir, remove } = await tempDir('rw-static-');
  cleanups.push(remove);
  const root = join(dir, 'dist');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><script type="module" src="./assets/app-1a2b.js"></script>');
  await writeFile(join(root, 'assets', 'app-1a2b.js'), 'console.log(1)');
  await writeFile(join(root, 'assets', 'app-1a2b.css'), 'body{}');
  await writeFile(join(root, 'favicon.svg'), '<svg/>');
  await writeFile(join(root, '.env'), 'SECRET=1');
  const outside = join(dir, 'secret.txt');
  await writeFile(outside, 'top secret');
  await symlink(outside, join(root, 'assets', 'link.txt'));
  t = await startFakeServer({ staticDir: root });
  cleanups.push(() => t.close());
  return { root, outside };
}
const get = (path: string, headers: Record<string, string> = {}) => rawRequest(t.server.port, { path, auth: false, headers });

describe('static dashboard', () => {
  it('serves index.html for / without a token, with CSP and the other security headers', async () => {
    await withDashboard();
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(CSP);
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).toContain("frame-ancestors 'none'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.body).toContain('app-1a2b.js');
    expect(r.body).not.toContain(TOKEN);
  });

  it('serves assets with their content type, hashed assets cached for good', async () => {
    await withDashboard();
    const js = await get('/assets/app-1a2b.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toMatch(/immutable/);
    expect(js.body).toBe('console.log(1)');
    expect((await get('/assets/app-1a2b.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const svg = await get('/favicon.svg');
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.headers['cache-control']).toBe('no-cache');
    const head = await rawRequest(t.server.port, { method: 'HEAD', path: '/assets/app-1a2b.js', auth: false });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String('console.log(1)'.length));
    expect(head.body).toBe('');
  });

  it('answers index.html for unknown app paths (SPA) but 404 for missing files', async () => {
    await withDashboard();
    const spa = await get('/queue/hosts');
    expect(spa.status).toBe(200);
    expect(spa.body).toContain('<!doctype html>');
    expect((await get('/assets/missing.js')).status).toBe(404);
  });

  it('refuses traversal, encoded separators, dotfiles and symlinks out of the folder', async () => {
    await withDashboard();
    for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/.env', '/assets/link.txt', '/%00index.html']) {
      const r = await get(p);
      expect(r.status, p).not.toBe(200);
      expect(r.body, p).not.toContain('top secret');
      expect(r.body, p).not.toContain('SECRET');
    }
    expect((await get('/%E0%A4%A')).status).toBe(400);
  });

  it('still checks the Host header for static files, and allows only GET and HEAD', async () => {
    await withDashboard();
    expect((await get('/', { host: `attacker.example:${t.server.port}` })).status).toBe(403);
    expect((await rawRequest(t.server.port, { method: 'POST', path: '/', auth: false })).status).toBe(405);
  });

  it('without a static folder, answers 404 outside /api', async () => {
    t = await startFakeServer();
    cleanups.push(() => t.close());
    const r = await get('/');
    expect(r.status).toBe(404);
    expect((r.json() as { error: { message: string } }).error.message).toMatch(/\/api\//);
  });
});
