/**
 * static-files: the built dashboard (renderer/dist) on the control port: a URL
 * path to a file inside the root and nowhere else (no `..`, encoded separators,
 * NUL or symlink out), content types, caching, and the SPA fallback.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/**
 * Vite puts content-hashed files under assets/: they never change under the
 * same name, so they may be cached for good. Everything else (index.html
 * above all) is revalidated, so an upgrade is seen at the next load.
 */
const cacheControl = (rel: string): string =>
  rel.startsWith(`assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';

export type StaticResult = { status: 200 } | { status: 400 | 404 | 500; message: string };

/**
 * The files hold no data, so they need no token: the page takes the token from
 * the URL fragment (`#token=…`), which browsers never send to a server.
 */
export class StaticFiles {
  private rootReal: Promise<string> | undefined;

  constructor(private readonly root: string) {}

  private realRoot(): Promise<string> {
    this.rootReal ??= realpath(resolve(this.root));
    return this.rootReal;
  }

  /** Serves `pathname` (already URL-parsed, still percent-encoded). */
  async serve(pathname: string, res: ServerResponse, headOnly: boolean): Promise<StaticResult> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return { status: 400, message: 'bad path encoding' };
    }
    // Refused outright rather than normalised: no legitimate dashboard URL
    // contains these, and normalising is where traversal bugs live.
    const segments = decoded.split('/').filter((s) => s !== '');
    if (decoded.includes('\0') || decoded.includes('\\') || segments.some((s) => s === '..' || s === '.' || s.startsWith('.'))) {
      return { status: 404, message: 'not found' };
    }
    let root: string;
    try {
      root = await this.realRoot();
    } catch (e) {
      this.rootReal = undefined;
      return { status: 500, message: `dashboard folder unavailable (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    const rel = segments.length === 0 ? 'index.html' : segments.join(sep);
    let file = await this.resolveInside(root, rel);
    if (file === undefined && extname(rel) === '') file = await this.resolveInside(root, 'index.html');
    if (file === undefined) return { status: 404, message: 'not found' };
    const st = await stat(file.path);
    const type = CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'content-length': st.size, 'cache-control': cacheControl(file.rel) });
    if (headOnly) {
      res.end();
      return { status: 200 };
    }
    await new Promise<void>((ok, fail) => {
      const s = createReadStream(file.path);
      s.once('error', (e) => {
        res.destroy(e);
        fail(e);
      });
      res.once('close', () => {
        s.destroy();
        ok();
      });
      s.pipe(res);
    });
    return { status: 200 };
  }

  /** The real path of root/rel if it is a regular file inside the root (symlinks resolved). */
  private async resolveInside(root: string, rel: string): Promise<{ path: string; rel: string } | undefined> {
    const candidate = join(root, rel);
    try {
      const real = await realpath(candidate);
      if (!real.startsWith(root + sep)) return undefined;
      const st = await stat(real);
      return st.isFile() ? { path: real, rel: real.slice(root.length + 1) } : undefined;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw e;
    }
  }
}
