/**
 * A real relay whose control API is HTTPS on 127.0.0.2 (`control.tls:
 * "listener"`): relay.json publishes the certificate's fingerprint and the
 * CLI of the data dir talks to it through a pinned connection, events included.
 * pinnedFetch alone: a wrong fingerprint is refused before the token is sent.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createControlClient } from '../../core/control/client/client.js';
import { FingerprintMismatch, normalizeFingerprint, pinnedFetch } from '../../core/control/client/pinned-fetch.js';
import { runCommand } from '../../cli/run-command.js';
import { openControlTls } from '../../core/server/control-tls.js';
import { startControlServer } from '../../core/server/http-api.js';
import { ensureSelfSigned } from '../../core/tls/self-signed.js';
import { fakeControl, TOKEN } from '../helpers/fake-control.js';
import { MemoryLog } from '../helpers/memory-log.js';
import { startTestRelay } from '../helpers/relay-harness.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = { code: 0, out: '', err: '' };
  r.code = await runCommand(argv, { stdout: (t) => void (r.out += t), stderr: (t) => void (r.err += t) });
  return r;
}

describe('control API over TLS on 127.0.0.2', () => {
  it('relay.json names https and the fingerprint; status and the event stream work through the pin', async () => {
    const { dir, remove } = await tempDir('rw-ctls-relay-');
    cleanups.push(remove);
    const relay = await startTestRelay(testConfig({ control: { host: '127.0.0.2', port: 0, tls: 'listener' } }), dir);
    cleanups.push(() => relay.stop());
    expect(relay.controlUrl).toMatch(/^https:\/\/127\.0\.0\.2:\d+\/#token=/);
    const info = JSON.parse(await readFile(join(dir, 'relay.json'), 'utf8')) as { control: { host: string; fingerprint256: string } };
    const cert = await readFile(join(dir, 'listener-cert.pem'), 'utf8');
    const { X509Certificate } = await import('node:crypto');
    expect(info.control.fingerprint256).toBe(new X509Certificate(cert).fingerprint256);
    const r = await cli(['status', '--data-dir', dir, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { hostname: string }).hostname).toBe('relay.test');

    const token = (await readFile(join(dir, 'control.token'), 'utf8')).trim();
    const client = createControlClient({ baseUrl: relay.controlUrl!.replace(/#.*$/, ''), token, fetch: pinnedFetch(info.control.fingerprint256) });
    const stream = await client.events();
    const it = stream[Symbol.asyncIterator]();
    await client.call('retryall');
    const first = await it.next();
    expect(first.done).toBe(false);
    stream.close();
  });
});

describe('pinnedFetch', () => {
  async function server(): Promise<{ url: string; fp: string; calls: unknown[] }> {
    const { dir, remove } = await tempDir('rw-pin-');
    cleanups.push(remove);
    const files = await ensureSelfSigned(dir, 'relay.test');
    const tls = await openControlTls({ tls: files, listener: undefined, listenerFiles: undefined, dataDir: dir, hostname: 'relay.test', log: new MemoryLog() });
    const fc = fakeControl();
    const s = await startControlServer({ api: fc.api, hub: fc.hub, host: '127.0.0.2', port: 0, token: TOKEN, log: new MemoryLog(), tls });
    cleanups.push(async () => {
      await s.close();
      fc.hub.close();
      tls.close();
    });
    return { url: s.url, fp: tls.fingerprint256, calls: fc.calls };
  }

  it('calls through with the right fingerprint in any spelling', async () => {
    const s = await server();
    for (const fp of [s.fp, s.fp.toLowerCase(), s.fp.replace(/:/g, '')]) {
      const client = createControlClient({ baseUrl: s.url, token: TOKEN, fetch: pinnedFetch(fp) });
      expect((await client.call('status')).hostname).toBe('relay.test');
    }
  });

  it('refuses a wrong fingerprint before anything is sent: the relay hears no request', async () => {
    const s = await server();
    const wrong = normalizeFingerprint('00'.repeat(32))!;
    const client = createControlClient({ baseUrl: s.url, token: TOKEN, fetch: pinnedFetch(wrong) });
    const e = (await client.call('retryall').catch((err: unknown) => err)) as Error & { cause?: unknown; apiCode?: string };
    expect(e.message).toMatch(/certificate is not the one paired with/);
    expect((e.cause as { cause?: unknown }).cause).toBeInstanceOf(FingerprintMismatch);
    expect(s.calls).toEqual([]);
  });

  it('is HTTPS only and takes only a SHA-256 fingerprint', () => {
    expect(() => pinnedFetch('abc')).toThrow(/not a SHA-256 fingerprint/);
    expect(normalizeFingerprint('ab'.repeat(32))).toBe(Array(32).fill('AB').join(':'));
  });
});
