import { afterEach, describe, expect, it } from 'vitest';
import { openSession } from '../../../core/delivery/smtp-session.js';
import { testSmtpConnection } from '../../../core/hosts/connection-test.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { closedPort } from '../../helpers/ports.js';

const sinks: SmtpSink[] = [];
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.stop();
});
async function sink(b: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
  const s = await startSmtpSink(b);
  sinks.push(s);
  return s;
}
const opts = { hostname: 'relay.test', timeoutMs: 3000 };

describe('testSmtpConnection (the Settings page "Test connection"), against real SMTP peers', () => {
  it('a plain server: ok, no TLS, and the sink saw a connection but no mail', async () => {
    const s = await sink();
    const r = await testSmtpConnection({ host: '127.0.0.1', port: s.port, tls: 'none' }, opts);
    expect(r).toMatchObject({ ok: true, tls: false });
    expect(r.detail).toContain(`connected to 127.0.0.1:${s.port}`);
    expect(s.messages).toHaveLength(0);
  });

  it('opportunistic with STARTTLS offered: ok, over TLS (a self-signed certificate is accepted, as delivery accepts it)', async () => {
    const s = await sink({ starttls: true });
    const r = await testSmtpConnection({ host: '127.0.0.1', port: s.port, tls: 'opportunistic' }, opts);
    expect(r).toMatchObject({ ok: true, tls: true });
  });

  it('required with a self-signed certificate: not ok, exactly as delivery refuses it', async () => {
    const s = await sink({ starttls: true });
    const r = await testSmtpConnection({ host: '127.0.0.1', port: s.port, tls: 'required' }, opts);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/self[- ]signed|certificate/i);
    const delivery = await openSession(s.destination({ tls: 'required' }), 1, { hostname: 'relay.test', connectTimeoutMs: 3000, commandTimeoutMs: 3000, dataTimeoutMs: 3000 });
    expect(delivery.ok).toBe(false);
  });

  it('required, STARTTLS not offered: not ok', async () => {
    const s = await sink();
    const r = await testSmtpConnection({ host: '127.0.0.1', port: s.port, tls: 'required' }, opts);
    expect(r.ok).toBe(false);
  });

  it('nobody listening: not ok, in words', async () => {
    const port = await closedPort();
    const r = await testSmtpConnection({ host: '127.0.0.1', port, tls: 'none' }, opts);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/ECONNREFUSED|refused/i);
  });
});
