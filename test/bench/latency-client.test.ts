import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureLatency, percentile } from '../../bench/latency-client.js';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('measureLatency', () => {
  const DELAY_MS = 30;
  let server: SMTPServer;
  let port = 0;
  let received = 0;

  beforeAll(async () => {
    // A listener that answers the end of DATA only after DELAY_MS.
    server = new SMTPServer({
      authOptional: true,
      disableReverseLookup: true,
      logger: false,
      onData(stream, _session, cb) {
        stream.resume();
        stream.on('end', () => {
          received++;
          setTimeout(() => cb(), DELAY_MS);
        });
      },
    });
    server.listen(0, '127.0.0.1');
    await once(server.server, 'listening');
    port = (server.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('times every message from its end of DATA to its 250', async () => {
    const r = await measureLatency({ port, sessions: 3, messages: 10, size: 2048, timeoutMs: 20_000 });
    expect(r.samples).toHaveLength(10);
    expect(received).toBe(10);
    expect(r.p50).toBeGreaterThanOrEqual(DELAY_MS - 1);
    expect(r.p99).toBeGreaterThanOrEqual(r.p50);
    expect(r.max).toBeLessThan(5_000);
  });

  it('fails when nothing listens', async () => {
    await expect(measureLatency({ port: 1, sessions: 1, messages: 1, size: 100, timeoutMs: 5_000 })).rejects.toThrow(/connection lost|ECONNREFUSED/);
  });
});
