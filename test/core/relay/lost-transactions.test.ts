/**
 * End-to-end tests of issue 10 item 1: a message the destination chokes on
 * (reads it whole, then drops the connection without a reply) is that
 * message's deferral on its bounce profile's back-off. The host stays Up and
 * keeps taking other mail; only lost transactions of several different
 * messages in a row take it Down.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LOST_TRANSACTIONS_FOR_DOWN } from '../../../core/hosts/host-registry.js';
import { waitFor } from '../../helpers/relay-harness.js';
import { finishedMids, fixture, mailLog, route } from '../../helpers/relay-e2e-harness.js';
import { sendMail } from '../../helpers/send-mail.js';
import { internalsOf } from '../../../core/relay-internals.js';

const f = fixture();
afterEach(() => f.cleanup());

describe('relay end to end: a message the server chokes on', () => {
  it('is retried on its back-off only; the host never goes Down and other mail flows meanwhile', async () => {
    const chokes: number[] = [];
    const dest = await f.sink({
      chokeOn: (raw) => {
        const choke = raw.includes('Subject: choke');
        if (choke) chokes.push(Date.now());
        return choke;
      },
    });
    // Retries 1 s, then 2 s after the last. The probe would be back within
    // 0.1 s (testConfig), so a Down/Up flap shows as a resend at once.
    const relay = await f.relay({
      routes: [route('corp.test', [dest, 10])],
      bounceProfiles: { default: { initialRetrySeconds: 1, backoffFactor: 2, maxRetrySeconds: 60 } },
    });
    const done = finishedMids(relay);

    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['x@corp.test'], subject: 'choke' });
    await waitFor(relay, () => chokes.length === 1 && internalsOf(relay).queue.pendingRecipients === 1 && [...internalsOf(relay).queue.pendingForDomain('corp.test')][0]!.attempts === 1, 'first attempt deferred');
    const [choking] = [...internalsOf(relay).queue.pendingForDomain('corp.test')];
    expect(choking!.lastError).toMatchObject({ code: 'ECONNECTION', enhanced: '4.4.2' });
    expect(choking!.nextAttemptAt - choking!.lastAttemptAt!).toBe(1000);

    // Other mail, while the choking message waits for its retries.
    for (let i = 1; i <= 3; i++) {
      const sent = Date.now();
      await sendMail(relay.smtp.port, { from: 'app@office.test', to: [`u${i}@corp.test`], subject: `other ${i}` });
      await waitFor(relay, () => done.length === i, `other message ${i} delivered`);
      expect(Date.now() - sent).toBeLessThan(900);
    }

    await dest.waitForMessages(3);
    await waitFor(relay, () => chokes.length >= 3 && choking!.attempts >= 3 && choking!.state === 'queued', 'third attempt deferred', 10_000);
    expect(chokes).toHaveLength(3);
    // The gaps follow the profile (1 s, then 2 s), not the probe's cadence.
    expect(chokes[1]! - chokes[0]!).toBeGreaterThanOrEqual(950);
    expect(chokes[2]! - chokes[1]!).toBeGreaterThanOrEqual(1950);
    expect(choking!.nextAttemptAt - choking!.lastAttemptAt!).toBe(4000);

    const host = internalsOf(relay).hosts.get(dest.key)!;
    expect(host.status).toBe('up');
    expect(host.history.map((h) => h.status)).not.toContain('down');
    const log = await mailLog(relay);
    expect(log).not.toContain('Host down');
    expect(log).toMatch(/Delayed: MID \d+ RID \[0\] - .*end of data/);
  }, 20_000);

  it(`a server that loses every transaction goes Down after ${LOST_TRANSACTIONS_FOR_DOWN} different messages, and the prober brings it back`, async () => {
    const dest = await f.sink({ chokeOn: () => true });
    const relay = await f.relay({
      routes: [route('corp.test', [dest, 10])],
      bounceProfiles: { default: { initialRetrySeconds: 3600, maxRetrySeconds: 3600 } },
      // One connection: the messages are tried one after the other.
      delivery: { maxConnectionsPerHost: 1 },
    });

    for (let i = 1; i < LOST_TRANSACTIONS_FOR_DOWN; i++) {
      await sendMail(relay.smtp.port, { from: 'app@office.test', to: [`u${i}@corp.test`] });
      await waitFor(relay, () => dest.stats.choked === i && [...internalsOf(relay).queue.pendingForDomain('corp.test')].every((r) => r.attempts === 1), `message ${i} lost`);
      expect(internalsOf(relay).hosts.get(dest.key)!.status).toBe('up');
    }
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['last@corp.test'] });
    await waitFor(relay, () => internalsOf(relay).hosts.get(dest.key)!.status === 'down', 'host Down');
    expect(internalsOf(relay).hosts.get(dest.key)!.lastError).toContain(`${LOST_TRANSACTIONS_FOR_DOWN} transactions in a row, of different messages, lost without a reply`);

    // It greets, so the probe finds it Up; the queue is tried at once, and it
    // delivers now that it has stopped choking.
    dest.behaviour.chokeOn = undefined;
    await dest.waitForMessages(LOST_TRANSACTIONS_FOR_DOWN);
    expect(internalsOf(relay).hosts.get(dest.key)!.status).toBe('up');
  }, 20_000);
});
