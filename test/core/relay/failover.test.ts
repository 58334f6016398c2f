/**
 * End-to-end tests of the relay core (issue 2), part 2: the behaviour table's
 * host rows. Connection refused marks a host Down and moves on in the same
 * attempt; a 4xx before DATA moves on and leaves the host Up; a Down host that
 * comes back gets its queue delivered at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/relay-harness.js';
import { finishedMids, fixture, mailLog, route } from '../../helpers/relay-e2e-harness.js';
import { sendMail } from '../../helpers/send-mail.js';
import { internalsOf } from '../../../core/relay-internals.js';

const f = fixture();
afterEach(() => f.cleanup());

// Long waits: any delivery seen in these tests happened in the first attempt
// or through "host up", never through a retry timer.
const slowRetry = { bounceProfiles: { default: { initialRetrySeconds: 3600, maxRetrySeconds: 3600 } } };

describe('relay end to end: failover', () => {
  it('refused connection: next priority in the same attempt, the refused host is Down', async () => {
    const dead = await f.deadSink();
    const live = await f.sink();
    const relay = await f.relay({ routes: [route('corp.test', [dead, 10], [live, 20])], ...slowRetry });
    const done = finishedMids(relay);

    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'] });
    await waitFor(relay, () => done.length === 1, 'delivered');
    expect(live.messages).toHaveLength(1);
    expect(internalsOf(relay).hosts.get(dead.key)?.status).toBe('down');
    expect(internalsOf(relay).hosts.get(live.key)?.status).toBe('up');
    expect(await mailLog(relay)).toContain(`Host down: ${dead.key}`);
  });

  it('refused connection: another host of the same priority takes the mail; the refused one is Down', async () => {
    const dead = await f.deadSink();
    const live = await f.sink();
    const relay = await f.relay({ routes: [route('corp.test', [dead, 10], [live, 10])], ...slowRetry });
    const done = finishedMids(relay);

    // Round-robin puts the dead host first for one of two consecutive messages
    // (unless it is already Down, which also means it was tried).
    for (let i = 1; i <= 2; i++) {
      await sendMail(relay.smtp.port, { from: 'app@office.test', to: [`u${i}@corp.test`] });
      await waitFor(relay, () => done.length === i, `message ${i} delivered`);
    }
    expect(live.messages.map((m) => m.to[0])).toEqual(['u1@corp.test', 'u2@corp.test']);
    expect(internalsOf(relay).hosts.get(dead.key)?.status).toBe('down');
    expect(internalsOf(relay).queue.pendingRecipients).toBe(0);
  });

  it.each([
    ['421 greeting', { greeting: 421 }, /421/],
    ['452 at RCPT', { rcpt: { 'a@corp.test': 452 } }, /452/],
  ])('%s on the first host: the next host delivers, the first stays Up', async (_name, behaviour, code) => {
    const busy = await f.sink(behaviour);
    const live = await f.sink();
    const relay = await f.relay({ routes: [route('corp.test', [busy, 10], [live, 20])], ...slowRetry });
    const done = finishedMids(relay);

    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'] });
    await waitFor(relay, () => done.length === 1, 'delivered');
    expect(live.messages).toHaveLength(1);
    expect(busy.messages).toHaveLength(0);
    expect(busy.stats.connections).toBe(1);
    expect(internalsOf(relay).hosts.get(busy.key)?.status).toBe('up');
    expect(internalsOf(relay).hosts.get(busy.key)?.history.some((h) => h.status === 'down')).toBe(false);
    expect(await mailLog(relay)).toMatch(code);
  });

  it('452 for one recipient: it alone moves to the next host; the others are delivered on the first', async () => {
    const a = await f.sink({ rcpt: { 'full@corp.test': 452 } });
    const b = await f.sink();
    const relay = await f.relay({ routes: [route('corp.test', [a, 10], [b, 20])], ...slowRetry });
    const done = finishedMids(relay);

    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['ok@corp.test', 'full@corp.test', 'ok2@corp.test'] });
    await waitFor(relay, () => done.length === 1, 'delivered');
    expect(a.messages.map((m) => m.to)).toEqual([['ok@corp.test', 'ok2@corp.test']]);
    expect(b.messages.map((m) => m.to)).toEqual([['full@corp.test']]);
    expect(internalsOf(relay).hosts.get(a.key)?.status).toBe('up');
  });

  it('every host answers 4xx: the recipient stays queued for its retry time and both hosts stay Up', async () => {
    const a = await f.sink({ greeting: 421 });
    const b = await f.sink({ mail: 451 });
    const relay = await f.relay({ routes: [route('corp.test', [a, 10], [b, 20])], ...slowRetry });

    const sentAt = Date.now();
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'] });
    await waitFor(relay, () => [...internalsOf(relay).queue.pendingForDomain('corp.test')].some((r) => r.state === 'queued' && r.attempts === 1), 'deferred once');
    const [r] = [...internalsOf(relay).queue.pendingForDomain('corp.test')];
    expect(r!.nextAttemptAt).toBeGreaterThan(sentAt + 3000_000);
    expect(r!.lastHost).toBe(b.key);
    expect(r!.lastError?.smtpCode).toBe(451);
    expect([a.stats.connections, b.stats.connections]).toEqual([1, 1]);
    expect([internalsOf(relay).hosts.get(a.key)?.status, internalsOf(relay).hosts.get(b.key)?.status]).toEqual(['up', 'up']);
  });

  it('a Down host that comes back is probed Up and its queue is delivered at once', async () => {
    const sink = await f.deadSink();
    const relay = await f.relay({ routes: [route('corp.test', [sink, 10])], ...slowRetry });

    const sentAt = Date.now();
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'] });
    await waitFor(
      relay,
      () => internalsOf(relay).hosts.get(sink.key)?.status === 'down' && [...internalsOf(relay).queue.pendingForDomain('corp.test')].some((r) => r.state === 'queued'),
      'host Down and recipient queued',
    );
    const [r] = [...internalsOf(relay).queue.pendingForDomain('corp.test')];
    // Without "host up → at once" this recipient would wait an hour.
    expect(r!.nextAttemptAt).toBeGreaterThan(sentAt + 3000_000);

    const done = finishedMids(relay);
    await sink.start();
    await waitFor(relay, () => done.length === 1, 'delivered after the host came back', 5000);
    expect(sink.messages).toHaveLength(1);
    expect(internalsOf(relay).hosts.get(sink.key)?.status).toBe('up');
    expect(await mailLog(relay)).toContain(`Host up: ${sink.key} (probe)`);
  });
});
