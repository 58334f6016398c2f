/**
 * The control server off plain loopback: HTTPS on 127.0.0.2 (a loopback
 * address standing in for a LAN one), TLS 1.2 at least (1.0 and 1.1 refused,
 * tried for real), and the same 401/403/413 checks as on loopback, with the
 * Host names a LAN client may rightly use. A plain bind off loopback is refused.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect, createServer as createTlsServer, type SecureVersion, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/config/load-config.js';
import { startControlServer } from '../../../core/server/http-api.js';
import { openControlTls, type ControlTls } from '../../../core/server/control-tls.js';
import { ensureSelfSigned } from '../../../core/tls/self-signed.js';
import { fakeControl, TOKEN, type RawResponse } from '../../helpers/fake-control.js';
import { MemoryLog } from '../../helpers/memory-log.js';
import { tempDir } from '../../helpers/temp-dir.js';

const HOST = '127.0.0.2';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function certificate(hostname = 'relay.test'): Promise<ControlTls> {
  const { dir, remove } = await tempDir('rw-ctls-');
  cleanups.push(remove);
  const files = await ensureSelfSigned(dir, hostname);
  const tls = await openControlTls({ tls: files, listener: undefined, listenerFiles: undefined, dataDir: dir, hostname, log: new MemoryLog() });
  cleanups.push(() => tls.close());
  return tls;
}

async function startTls(): Promise<{ port: number; tls: ControlTls; calls: { method: string }[] }> {
  const tls = await certificate();
  const fc = fakeControl();
  const server = await startControlServer({ api: fc.api, hub: fc.hub, host: HOST, port: 0, token: TOKEN, log: new MemoryLog(), tls, hostname: 'relay.test' });
  cleanups.push(async () => {
    await server.close();
    fc.hub.close();
  });
  expect(server.url).toBe(`https://${HOST}:${server.port}/`);
  expect(server.fingerprint256).toBe(tls.fingerprint256);
  return { port: server.port, tls, calls: fc.calls };
}

/** One HTTPS request with full control over headers; the peer certificate's fingerprint is checked against `pin`. */
function tlsRequest(port: number, pin: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string; auth?: boolean }): Promise<RawResponse> {
  const headers: Record<string, string> = { host: `${HOST}:${port}`, ...(opts.auth === false ? {} : { authorization: `Bearer ${TOKEN}` }), ...opts.headers };
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: HOST,
        port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers,
        agent: false,
        // Self-signed: trust exactly this certificate, by its fingerprint.
        rejectUnauthorized: false,
      },
      (res) => {
        const cert = (res.socket as TLSSocket).getPeerCertificate();
        if (cert.fingerprint256 !== pin) return reject(new Error(`unexpected certificate ${cert.fingerprint256}`));
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as unknown }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A bare TLS handshake offering exactly `version`; resolves with the version agreed or the error's code. */
function handshake(port: number, version: SecureVersion): Promise<string> {
  return new Promise((resolve) => {
    // SECLEVEL=0: OpenSSL 3 clients refuse TLS 1.0/1.1 on their own at the
    // default level, which would make a refusal prove nothing about the server.
    const s = connect({ host: HOST, port, minVersion: version, maxVersion: version, ciphers: 'DEFAULT:@SECLEVEL=0', rejectUnauthorized: false });
    s.once('secureConnect', () => {
      resolve(s.getProtocol() ?? 'unknown');
      s.destroy();
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe('control server with TLS on 127.0.0.2', () => {
  it('speaks HTTPS only: 401 without a token, 200 with it, and plain HTTP gets no answer', async () => {
    const { port, tls, calls } = await startTls();
    const none = await tlsRequest(port, tls.fingerprint256, { path: '/api/status', auth: false });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(calls).toEqual([]);
    const ok = await tlsRequest(port, tls.fingerprint256, { path: '/api/status' });
    expect(ok.status).toBe(200);
    expect((ok.json() as { hostname: string }).hostname).toBe('relay.test');
    const plain = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: HOST, port, path: '/api/status', headers: { authorization: `Bearer ${TOKEN}` }, agent: false }, (res) => resolve(`HTTP ${res.statusCode}`));
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      req.end();
    });
    expect(plain).not.toMatch(/^HTTP 200/);
  });

  it('Host: its address, its hostname and its certificate names pass; any other name, port or scheme of Origin gets 403', async () => {
    const { port, tls, calls } = await startTls();
    for (const host of [`${HOST}:${port}`, `relay.test:${port}`, `RELAY.TEST:${port}`]) {
      expect((await tlsRequest(port, tls.fingerprint256, { path: '/api/status', headers: { host } })).status, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `${HOST}:${port + 1}`, HOST]) {
      const r = await tlsRequest(port, tls.fingerprint256, { path: '/api/status', headers: { host } });
      expect(r.status, host).toBe(403);
      expect((r.json() as { error: { code: string } }).error.code).toBe('EFORBIDDEN');
    }
    const before = calls.length;
    for (const origin of [`http://${HOST}:${port}`, 'https://evil.example', 'null', `https://${HOST}:${port}.evil.example`]) {
      const r = await tlsRequest(port, tls.fingerprint256, { method: 'POST', path: '/api/retryall', headers: { origin, 'content-type': 'application/json' }, body: '{}' });
      expect(r.status, origin).toBe(403);
    }
    expect(calls.length).toBe(before);
    const own = await tlsRequest(port, tls.fingerprint256, { method: 'POST', path: '/api/retryall', headers: { origin: `https://relay.test:${port}`, 'content-type': 'application/json' }, body: '{}' });
    expect(own.status).toBe(200);
  });

  it('answers 413 for an oversized body without calling the operation', async () => {
    const { port, tls, calls } = await startTls();
    const r = await tlsRequest(port, tls.fingerprint256, {
      method: 'POST',
      path: '/api/configSet',
      headers: { 'content-type': 'application/json', 'content-length': String(10 * 1024 * 1024) },
      body: '',
    }).catch((e: Error) => ({ status: -1, body: e.message }) as RawResponse);
    expect(r.status).toBe(413);
    expect(calls).toEqual([]);
  });

  it('TLS scan: 1.0 and 1.1 refused, 1.2 and 1.3 accepted', async () => {
    const { port } = await startTls();
    expect(await handshake(port, 'TLSv1')).not.toMatch(/^TLSv/);
    expect(await handshake(port, 'TLSv1.1')).not.toMatch(/^TLSv/);
    expect(await handshake(port, 'TLSv1.2')).toBe('TLSv1.2');
    expect(await handshake(port, 'TLSv1.3')).toBe('TLSv1.3');
  });

  it('the scan can see a TLS 1.0 server (so the refusals above are the server’s)', async () => {
    const tls = await certificate();
    const server = createTlsServer({ ...tls.pem, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }, (s) => s.end());
    server.listen(0, HOST);
    await new Promise((r) => server.once('listening', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    expect(await handshake((server.address() as AddressInfo).port, 'TLSv1')).toBe('TLSv1');
  });
});

describe('a plain control bind off loopback is refused', () => {
  it('by the config, naming control.tls; loopback addresses need no TLS', () => {
    expect(() => parseConfig({ control: { host: '192.168.1.10', port: 8025 } })).toThrow(/control\.tls: is required to bind control\.host 192\.168\.1\.10/);
    expect(() => parseConfig({ control: { host: 'relay.office.example' } })).toThrow(/control\.tls/);
    expect(parseConfig({ control: { host: '192.168.1.10', tls: 'listener' } }).control.tls).toBe('listener');
    expect(parseConfig({ control: { host: '192.168.1.10', tls: { certFile: 'c.pem', keyFile: 'k.pem' } } }).control.host).toBe('192.168.1.10');
    for (const host of ['127.0.0.2', '::1', 'localhost']) expect(parseConfig({ control: { host } }).control.tls).toBeUndefined();
    expect(() => parseConfig({ control: { host: '127.0.0.1', tls: 'yes' } })).toThrow(/control\.tls/);
  });

  it('by the server itself, before binding', async () => {
    const fc = fakeControl();
    cleanups.push(() => fc.hub.close());
    await expect(startControlServer({ api: fc.api, hub: fc.hub, host: '192.0.2.10', port: 0, token: TOKEN, log: new MemoryLog() })).rejects.toThrow(
      /^control\.tls: is required to bind control\.host 192\.0\.2\.10/,
    );
  });

  it('control.tls naming a file that does not load says control.tls', async () => {
    const { dir, remove } = await tempDir('rw-ctls-');
    cleanups.push(remove);
    await expect(
      openControlTls({ tls: { certFile: `${dir}/nope.pem`, keyFile: `${dir}/nope.key` }, listener: undefined, listenerFiles: undefined, dataDir: dir, hostname: 'relay.test', log: new MemoryLog() }),
    ).rejects.toThrow(/^control\.tls\.certFile: cannot read/);
  });
});
