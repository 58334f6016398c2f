import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openSession, type SmtpSession } from '../../../core/delivery/smtp-session.js';
import type { Destination } from '../../../core/routing/routing-types.js';
import { engine, job, MESSAGE, refusedDest, sink } from '../../helpers/delivery-harness.js';

const opts = { hostname: 'relay.test', connectTimeoutMs: 2000, commandTimeoutMs: 2000, dataTimeoutMs: 2000 };

async function opened(dest: Destination): Promise<SmtpSession> {
  const r = await openSession(dest, 1, opts);
  if (!r.ok) throw new Error(r.failure.message);
  return r.session;
}

async function send(s: SmtpSession, recipients = ['a@dest.test']) {
  return s.send({ sender: 'app@office.test', recipients, size: MESSAGE.length }, Readable.from([Buffer.from(MESSAGE)]));
}

describe('openSession: where it failed', () => {
  it('refused connection → phase connect, network refused', async () => {
    const r = await openSession(await refusedDest(), 1, opts);
    expect(!r.ok && [r.failure.phase, r.failure.network]).toEqual(['connect', 'refused']);
  });

  it('421 greeting → phase greeting with the reply', async () => {
    const s = await sink({ greeting: 421 });
    const r = await openSession(s.destination(), 1, opts);
    expect(!r.ok && [r.failure.phase, r.failure.reply]).toEqual(['greeting', '421 4.3.2 Service not available, closing transmission channel']);
    await s.stop();
  });

  it('a dropped connection before the greeting → no reply, refused', async () => {
    const s = await sink({ drop: 'greeting' });
    const r = await openSession(s.destination(), 1, opts);
    expect(!r.ok && r.failure.reply).toBeUndefined();
    expect(!r.ok && r.failure.network).toBe('refused');
    await s.stop();
  });
});

describe('TLS modes', () => {
  it('opportunistic: STARTTLS used when offered, self-signed certificate accepted', async () => {
    const s = await sink({ starttls: true });
    const session = await opened(s.destination({ tls: 'opportunistic' }));
    expect(session.secure).toBe(true);
    expect((await send(session)).ok).toBe(true);
    expect(s.messages[0]!.secure).toBe(true);
    session.destroy();
    await s.stop();
  });

  it('opportunistic: no STARTTLS offered, or STARTTLS refused with 454 → continues in clear', async () => {
    for (const starttls of [false, 'refuse'] as const) {
      const s = await sink({ starttls });
      const session = await opened(s.destination({ tls: 'opportunistic' }));
      expect(session.secure).toBe(false);
      expect((await send(session)).ok).toBe(true);
      session.destroy();
      await s.stop();
    }
  });

  it('opportunistic: a handshake that starts and fails is a TLS failure', async () => {
    const s = await sink({ starttls: 'broken' });
    const r = await openSession(s.destination({ tls: 'opportunistic' }), 1, opts);
    expect(!r.ok && [r.failure.phase, r.failure.network]).toEqual(['starttls', 'tls']);
    await s.stop();
  });

  it('none: STARTTLS offered but never used', async () => {
    const s = await sink({ starttls: true });
    const session = await opened(s.destination({ tls: 'none' }));
    expect(session.secure).toBe(false);
    session.destroy();
    await s.stop();
  });

  it('required: STARTTLS not offered → refused at phase starttls with the reply', async () => {
    const s = await sink();
    const r = await openSession(s.destination({ tls: 'required' }), 1, opts);
    expect(!r.ok && r.failure.phase).toBe('starttls');
    expect(!r.ok && r.failure.reply).toMatch(/^5\d\d /);
    await s.stop();
  });

  it('required: the certificate is verified (a self-signed one fails)', async () => {
    const s = await sink({ starttls: true });
    const r = await openSession(s.destination({ tls: 'required' }), 1, opts);
    expect(!r.ok && [r.failure.phase, r.failure.network]).toEqual(['starttls', 'tls']);
    expect(!r.ok && r.failure.message).toMatch(/self[- ]signed|certificate/i);
    await s.stop();
  });
});

describe('AUTH', () => {
  const auth = { user: 'relay@corp.test', pass: 'pa55' };

  it('authenticates over TLS with user and password', async () => {
    const s = await sink({ starttls: true, auth });
    const { engine: e } = engine();
    const r = await e.deliver(job([s.destination({ tls: 'opportunistic', auth })]));
    expect(r.outcomes[0]!.outcome).toBe('delivered');
    expect(s.messages[0]).toMatchObject({ user: 'relay@corp.test', secure: true });
  });

  it('refused credentials → deferred EAUTH, host Up, next host tried', async () => {
    const s = await sink({ starttls: true, auth });
    const b = await sink();
    const { engine: e, feedback } = engine();
    const r = await e.deliver(job([s.destination({ tls: 'opportunistic', auth: { ...auth, pass: 'wrong' } }), b.destination()]));
    expect(r.outcomes[0]).toMatchObject({ outcome: 'delivered', host: b.key });
    expect(feedback.failed(s.key)).toBe(false);
    const only = await e.deliver(job([s.destination({ tls: 'opportunistic', auth: { ...auth, pass: 'wrong' } })]));
    const o = only.outcomes[0]!;
    expect(o.outcome === 'deferred' && [o.error.code, o.error.smtpCode, o.error.enhanced]).toEqual(['EAUTH', 535, '4.7.8']);
  });

  it('never sends credentials in clear unless the route says tls: none', async () => {
    const s = await sink({ auth }); // offers AUTH, no STARTTLS
    const { engine: e, feedback } = engine();
    const r = await e.deliver(job([s.destination({ tls: 'opportunistic', auth })]));
    const o = r.outcomes[0]!;
    expect(o.outcome === 'deferred' && o.error.code).toBe('ETLS');
    expect(feedback.failed(s.key)).toBe(true);
    expect(s.messages).toEqual([]);

    const { engine: e2 } = engine();
    const plain = await e2.deliver(job([s.destination({ tls: 'none', auth })]));
    expect(plain.outcomes[0]!.outcome).toBe('delivered');
    expect(s.messages[0]).toMatchObject({ user: 'relay@corp.test', secure: false });
  });

  it('a server that does not offer AUTH gets the mail without it (as Postfix does)', async () => {
    const s = await sink({ starttls: true });
    const { engine: e } = engine();
    const r = await e.deliver(job([s.destination({ tls: 'opportunistic', auth })]));
    expect(r.outcomes[0]!.outcome).toBe('delivered');
    expect(s.messages[0]!.user).toBeUndefined();
  });
});

describe('SmtpSession transactions', () => {
  it('reports per-recipient refusals and the final reply', async () => {
    const s = await sink({ rcpt: { 'b@dest.test': 452, 'c@dest.test': 550 } });
    const session = await opened(s.destination());
    const r = await send(session, ['a@dest.test', 'b@dest.test', 'c@dest.test']);
    expect(r.ok && r.response).toBe('250 2.0.0 Ok: queued');
    expect(r.rejected.map((x) => [x.address, x.reply.slice(0, 3)])).toEqual([
      ['b@dest.test', '452'],
      ['c@dest.test', '550'],
    ]);
    expect(await session.reset()).toBe(true);
    session.destroy();
    expect(session.closed).toBe(true);
    expect(await session.reset()).toBe(false);
    await s.stop();
  });

  it('settles a transaction when the connection is destroyed under it', async () => {
    const s = await sink({ silent: 'dot' });
    const session = await opened(s.destination());
    const p = send(session);
    setTimeout(() => session.destroy(), 100);
    const r = await p;
    expect(!r.ok && r.failure.network).toBe('dropped');
    await s.stop();
  });
});
