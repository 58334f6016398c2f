/**
 * The control server over real HTTP on loopback: authentication, Host/Origin
 * checks, body limits, method rules, argument errors, and what reaches the
 * ControlApi. SSE and static files have their own test files.
 */
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTROL_METHODS, OPERATIONS } from '../../../core/control/contract.js';
import { startControlServer } from '../../../core/server/http-api.js';
import { fakeControl, rawRequest, startFakeServer, TOKEN, type TestServer } from '../../helpers/fake-control.js';
import { MemoryLog } from '../../helpers/memory-log.js';

let t: TestServer;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function start(extra: Parameters<typeof startFakeServer>[0] = {}): Promise<TestServer> {
  t = await startFakeServer(extra);
  cleanups.push(() => t.close());
  return t;
}
const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
  rawRequest(t.server.port, {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('control server: authentication', () => {
  it('answers 401 with WWW-Authenticate without a token, with a wrong one, and with a token in the query of a method', async () => {
    await start();
    for (const r of [
      await rawRequest(t.server.port, { path: '/api/status', auth: false }),
      await rawRequest(t.server.port, { path: '/api/status', headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` } }),
      await rawRequest(t.server.port, { path: '/api/status', headers: { authorization: `Basic ${TOKEN}` } }),
      // ?token= is for the event stream only.
      await rawRequest(t.server.port, { path: `/api/status?token=${TOKEN}`, auth: false }),
    ]) {
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(r.json()).toEqual({ error: { code: 'EUNAUTHORIZED', message: expect.any(String) } });
      // What a token may do is said to its holder only.
      expect(r.headers['x-relaywatch-access']).toBeUndefined();
    }
    expect(t.calls).toEqual([]);
  });

  it('accepts the right bearer token', async () => {
    await start();
    const r = await rawRequest(t.server.port, { path: '/api/status' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-relaywatch-access']).toBe('full');
    expect((r.json() as { hostname: string }).hostname).toBe('relay.test');
  });
});

describe('control server: DNS rebinding and cross-site requests', () => {
  it('answers 403 to a foreign Host even with the right token', async () => {
    await start();
    const r = await rawRequest(t.server.port, { path: '/api/status', headers: { host: `evil.example:${t.server.port}` } });
    expect(r.status).toBe(403);
    expect((r.json() as { error: { code: string } }).error.code).toBe('EFORBIDDEN');
    const wrongPort = await rawRequest(t.server.port, { path: '/api/status', headers: { host: `127.0.0.1:${t.server.port + 1}` } });
    expect(wrongPort.status).toBe(403);
    expect(t.calls).toEqual([]);
  });

  it('accepts localhost:port for a loopback bind', async () => {
    await start();
    const r = await rawRequest(t.server.port, { path: '/api/status', headers: { host: `localhost:${t.server.port}` } });
    expect(r.status).toBe(200);
  });

  it('answers 403 to a foreign or null Origin, and accepts its own', async () => {
    await start();
    for (const origin of ['http://evil.example', `https://127.0.0.1:${t.server.port}`, 'null', `http://127.0.0.1:${t.server.port}.evil.example`]) {
      const r = await post('/api/retryall', {}, { origin });
      expect(r.status, origin).toBe(403);
    }
    expect(t.calls).toEqual([]);
    const ok = await post('/api/retryall', {}, { origin: `http://127.0.0.1:${t.server.port}` });
    expect(ok.status).toBe(200);
  });

  it('refuses to start on a wildcard address', async () => {
    const fc = fakeControl();
    await expect(startControlServer({ api: fc.api, hub: fc.hub, host: '0.0.0.0', port: 0, token: TOKEN, log: new MemoryLog() })).rejects.toThrow(
      /control\.host.*0\.0\.0\.0/,
    );
  });
});

describe('control server: requests', () => {
  it('passes the JSON body to the method and returns its result', async () => {
    await start();
    const r = await post('/api/tophosts', { sort: 'down' });
    expect(r.status).toBe(200);
    expect((r.json() as { host: string }[])[0]!.host).toBe('backup.example:2525');
    expect(t.calls).toEqual([{ method: 'tophosts', arg: { sort: 'down' } }]);
  });

  it('takes an empty body as no argument', async () => {
    await start();
    const r = await rawRequest(t.server.port, { method: 'POST', path: '/api/retryall' });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ scheduled: 19, operationId: expect.any(String) });
  });

  it('allows GET for read-only methods with the query as argument, and only POST for the others', async () => {
    await start();
    const r = await rawRequest(t.server.port, { path: '/api/showrecipients?host=10.1.1.5:25&limit=3' });
    expect(r.status).toBe(200);
    expect(t.calls).toEqual([{ method: 'showrecipients', arg: { host: '10.1.1.5:25', limit: 3 } }]);
    const hs = await rawRequest(t.server.port, { path: '/api/hoststatus?host=10.1.1.5:25' });
    expect(hs.status).toBe(200);
    const g = await rawRequest(t.server.port, { path: '/api/retryall' });
    expect(g.status).toBe(405);
    expect(g.headers.allow).toBe('POST');
    const put = await rawRequest(t.server.port, { method: 'PUT', path: '/api/status' });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, POST');
    expect(t.calls.map((c) => c.method)).toEqual(['showrecipients', 'hoststatus']);
  });

  it('routes every operation of the table: GET only where it only reads', async () => {
    await start();
    for (const m of CONTROL_METHODS) {
      const g = await rawRequest(t.server.port, { method: 'PUT', path: `/api/${m}` });
      expect(g.status, m).toBe(405);
      expect(g.headers.allow, m).toBe(OPERATIONS[m].readOnly ? 'GET, POST' : 'POST');
    }
  });

  it('answers 404 for an unknown method or path under /api, and for inherited names', async () => {
    await start();
    for (const p of ['/api/nosuch', '/api/', '/api/status/x', '/api/constructor', '/api/__proto__', '/api/toString']) {
      const r = await post(p, {});
      expect(r.status, p).toBe(404);
      expect((r.json() as { error: { code: string } }).error.code).toBe('ENOTFOUND');
    }
  });

  it('answers 400 naming the field for bad arguments, and never calls the method', async () => {
    await start();
    // Neither host:port nor a destination name (no control characters in those).
    const bad = await post('/api/hoststatus', { host: 'no\r\nport here' });
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error: { code: 'EARGS', message: expect.stringMatching(/host/), field: 'host' } });
    const extra = await post('/api/tophosts', { sort: 'active', evil: 1 });
    expect(extra.status).toBe(400);
    expect((extra.json() as { error: { message: string } }).error.message).toMatch(/evil/);
    const mid = await post('/api/deleterecipients', { mid: -1 });
    expect(mid.status).toBe(400);
    const q = await rawRequest(t.server.port, { path: '/api/showrecipients?limit=abc' });
    expect(q.status).toBe(400);
    expect((q.json() as { error: { field: string } }).error.field).toBe('limit');
    expect(t.calls).toEqual([]);
  });

  it('answers 404 with the field when the host or MID does not exist', async () => {
    await start();
    const h = await post('/api/suspend', { host: 'nosuch.example:25' });
    expect(h.status).toBe(404);
    expect(h.json()).toEqual({ error: { code: 'ENOTFOUND', message: expect.stringMatching(/not a known destination/), field: 'host' } });
    const m = await post('/api/retry', { mid: 999 });
    expect(m.status).toBe(404);
    expect((m.json() as { error: { field: string } }).error.field).toBe('mid');
  });

  it('answers 400 with the config field for an invalid config change', async () => {
    await start();
    const r = await post('/api/configSet', { config: { routes: 'x' } });
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ error: { code: 'ECONFIG', message: 'config: routes: must be array', field: 'config.routes' } });
  });

  it('answers 500 without leaking the error, and logs it', async () => {
    await start();
    const r = await post('/api/history', {});
    expect(r.status).toBe(500);
    expect(r.body).not.toMatch(/secret|TypeError|at /);
    expect(r.json()).toEqual({ error: { code: 'EINTERNAL', message: expect.any(String) } });
    expect(t.log.lines.some((l) => /history.*secret\/path/.test(l))).toBe(true);
  });
});

describe('control server: request bodies', () => {
  it('answers 415 for a body that is not application/json', async () => {
    await start();
    const r = await rawRequest(t.server.port, { method: 'POST', path: '/api/retryall', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(r.status).toBe(415);
    const form = await rawRequest(t.server.port, {
      method: 'POST',
      path: '/api/retryall',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(form.status).toBe(415);
    const none = await rawRequest(t.server.port, { method: 'POST', path: '/api/retryall', body: '{}' });
    expect(none.status).toBe(415);
    const charset = await rawRequest(t.server.port, { method: 'POST', path: '/api/retryall', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{}' });
    expect(charset.status).toBe(200);
    expect(t.calls).toHaveLength(1);
  });

  it('answers 400 for unparseable JSON', async () => {
    await start();
    const r = await rawRequest(t.server.port, { method: 'POST', path: '/api/tophosts', headers: { 'content-type': 'application/json' }, body: '{"sort":' });
    expect(r.status).toBe(400);
    expect((r.json() as { error: { message: string } }).error.message).toMatch(/not valid JSON/);
  });

  it('answers 413 for a declared oversized body without reading it', async () => {
    await start();
    const r = await rawRequest(t.server.port, {
      method: 'POST',
      path: '/api/showrecipients',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(70 * 1024) }),
    });
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
    expect(t.calls).toEqual([]);
  });

  it('answers 413 for a chunked body that grows past the limit, and stops reading', async () => {
    await start();
    const res = await new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
      let sent = 0;
      let done = false;
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: t.server.port,
          method: 'POST',
          path: '/api/showrecipients',
          agent: false,
          headers: { host: `127.0.0.1:${t.server.port}`, authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        },
        (r) => {
          let body = '';
          r.setEncoding('utf8');
          r.on('data', (d: string) => (body += d));
          r.on('end', () => {
            done = true;
            resolve({ status: r.statusCode ?? 0, body, sent });
            req.destroy();
          });
        },
      );
      req.on('error', (e) => (done ? undefined : reject(e)));
      // Keeps sending 8 KiB chunks until the server answers: it must answer
      // long before the 4 MiB we would be willing to send.
      const chunk = Buffer.alloc(8192, 0x20);
      const pump = (): void => {
        while (!done && sent < 4 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
    expect(res.status).toBe(413);
    expect(res.sent).toBeLessThan(4 * 1024 * 1024);
    expect(t.calls).toEqual([]);
  });
});

describe('control server: lifecycle', () => {
  it('binds only to the configured host and closes promptly with a keep-alive client', async () => {
    await start();
    expect(t.server.host).toBe('127.0.0.1');
    expect(t.server.url).toBe(`http://127.0.0.1:${t.server.port}/`);
    const r = await fetch(`${t.server.url}api/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(200);
    await r.text();
    await t.server.close();
    await expect(fetch(`${t.server.url}api/status`)).rejects.toThrow();
    expect(t.log.lines.some((l) => l.includes(`Control API and dashboard listening on http://127.0.0.1:${t.server.port}/`))).toBe(true);
    expect(t.log.lines.join('\n')).not.toContain(TOKEN);
  });

  it('lets a request in flight finish when closing, then refuses new connections', async () => {
    const fc = fakeControl();
    let release!: () => void;
    const gate = new Promise<void>((ok) => (release = ok));
    let entered!: () => void;
    const inside = new Promise<void>((ok) => (entered = ok));
    const status = fc.api.status.bind(fc.api);
    fc.api.status = async () => {
      entered();
      await gate;
      return status();
    };
    const server = await startControlServer({ api: fc.api, hub: fc.hub, host: '127.0.0.1', port: 0, token: TOKEN, log: new MemoryLog() });
    const pending = rawRequest(server.port, { path: '/api/status' });
    await inside;
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    expect(closed).toBe(false);
    release();
    expect((await pending).status).toBe(200);
    await closing;
    await expect(rawRequest(server.port, { path: '/api/status' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
