/**
 * Issue 10 item 5: a slow destination must not hold the capacity of the
 * others. With many messages queued for a slow but responsive host, mail
 * for a healthy route is still delivered at once: the slow route's jobs
 * beyond what its connections can carry wait in the scheduler, not in the
 * global in-flight limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Relay } from '../../../core/relay.js';
import { startTestRelay, waitFor } from '../../helpers/relay-harness.js';
import { fixture, route } from '../../helpers/relay-e2e-harness.js';
import { sendMail } from '../../helpers/send-mail.js';
import { testConfig } from '../../helpers/test-config.js';
import { internalsOf } from '../../../core/relay-internals.js';

const f = fixture();
const relays: Relay[] = [];
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop('test done', 2000)));
  await f.cleanup();
});

describe('relay end to end: capacity per route', () => {
  it('a slow route with a backlog does not delay a healthy route', async () => {
    // Answers each final dot after 1 s: responsive, never failing, slow.
    const slow = await f.sink({ dotDelayMs: 1000 });
    const fast = await f.sink();
    const config = testConfig({
      routes: [route('slow.test', [slow, 10]), route('fast.test', [fast, 10])],
      delivery: { maxConnectionsPerHost: 2 },
    });
    // 12 jobs in flight at most; 40 slow messages are more than enough to
    // fill that if the slow route may take all of it.
    const relay = await startTestRelay(config, await f.dir(), { maxInFlight: 12 });
    relays.push(relay);

    for (let i = 0; i < 40; i++) await sendMail(relay.smtp.port, { from: 'app@office.test', to: [`u${i}@slow.test`] });
    await waitFor(relay, () => internalsOf(relay).queue.activeRecipients >= 2, 'slow backlog in delivery');
    // The slow route holds what its two connections can use, not everything.
    expect(internalsOf(relay).scheduler.activeJobs).toBeLessThanOrEqual(4);

    const sent = Date.now();
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@fast.test'] });
    await fast.waitForMessages(1, 15_000);
    expect(Date.now() - sent).toBeLessThan(800);
    expect(slow.stats.maxConcurrent).toBe(2);
    // The backlog is still being worked through, in about the order it came
    // (no more than the route's 4 jobs in flight at a time).
    const delivered = slow.messages.map((m) => Number(/^u(\d+)@/.exec(m.to[0]!)![1]));
    expect(delivered.length).toBeLessThan(40);
    expect(Math.max(...delivered)).toBeLessThan(delivered.length + 4);

    // The rest (beyond its line, held aside) all follow, each exactly once.
    slow.behaviour.dotDelayMs = undefined;
    await slow.waitForMessages(40, 15_000);
    await waitFor(relay, () => internalsOf(relay).queue.pendingRecipients === 0, 'queue empty');
    expect(slow.messages.map((m) => m.to[0]).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `u${i}@slow.test`).sort());
  }, 30_000);
});
