/**
 * pinnedFetch against a real HTTPS server: a watcher passes one signal for
 * hours, so a finished request must leave no abort listener on it (they piled
 * up one per request: MaxListenersExceededWarning after ten refreshes).
 */
import { X509Certificate } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { pinnedFetch } from '../../../../core/control/client/pinned-fetch.js';
import { selfSignedCert } from '../../../helpers/smtp-sink.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

describe('pinnedFetch', () => {
  it('leaves no abort listener on the caller’s signal once a reply has been read', async () => {
    const { key, cert } = await selfSignedCert();
    server = createServer({ key, cert }, (_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const f = pinnedFetch(new X509Certificate(cert).fingerprint256);
    const ctl = new AbortController();
    for (let i = 0; i < 12; i++) {
      const res = await f(`https://127.0.0.1:${port}/api/status`, { method: 'POST', body: '', signal: ctl.signal });
      expect(await res.json()).toEqual({ ok: true });
    }
    await new Promise((r) => setImmediate(r));
    expect(getEventListeners(ctl.signal, 'abort')).toHaveLength(0);
  });
});
