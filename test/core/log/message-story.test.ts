/**
 * message-story: a message queued while its host is Down has its whole story
 * in the mail log (issue 12, item 3): received, deferred while waiting for
 * the named host (once per outage, however many probes and retry rounds
 * pass), retried by the operator, delivered when the host is back. Read back
 * through logTail({ mid }), the query the Log view's MID search makes.
 * Real relay, real SMTP sink stopped and restarted on the same port.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Relay } from '../../../core/relay.js';
import { internalsOf } from '../../../core/relay-internals.js';
import { fixture, mailLog } from '../../helpers/relay-e2e-harness.js';
import { once, waitFor } from '../../helpers/relay-harness.js';
import { sendMail } from '../../helpers/send-mail.js';
import type { SmtpSink } from '../../helpers/smtp-sink.js';

const f = fixture();
afterEach(() => f.cleanup());

/** Resolves after `n` more probes of the relay's prober have finished. */
function probes(relay: Relay, n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const on = (): void => {
      if (++seen < n) return;
      internalsOf(relay).prober.off('probe', on);
      resolve();
    };
    internalsOf(relay).prober.on('probe', on);
  });
}

/** Resolves after `n` more deferrals of recipients of `mid` (retry rounds while the host is Down). */
function deferrals(relay: Relay, mid: number, n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const q = internalsOf(relay).queue;
    const on = (r: { mid: number }, what: string): void => {
      if (r.mid !== mid || what !== 'deferred' || ++seen < n) return;
      q.off('outcome', on);
      resolve();
    };
    q.on('outcome', on);
  });
}

async function outage(): Promise<{ relay: Relay; sink: SmtpSink; first: number; mid: number }> {
  const sink = await f.sink();
  const relay = await f.relay({
    routes: [{ domain: 'corp.test', destinations: [{ host: sink.host, port: sink.port, tls: 'none', name: 'Exchange' }] }],
    // Probes every 0.5 s (the harness's) and a retry round every second: many of both during the outage.
    bounceProfiles: { default: { initialRetrySeconds: 1, maxRetrySeconds: 1 } },
  });
  await sink.stop();
  await sendMail(relay.smtp.port, { from: 'scanner@office.test', to: ['first@corp.test'] });
  await waitFor(relay, () => internalsOf(relay).hosts.get(sink.key)?.status === 'down', 'the host Down');
  const first = Math.max(...[...internalsOf(relay).queue.messagesInOrder()].map((m) => m.mid));
  await sendMail(relay.smtp.port, { from: 'scanner@office.test', to: ['a@corp.test', 'b@corp.test'], subject: 'Invoice 7' });
  const mid = Math.max(...[...internalsOf(relay).queue.messagesInOrder()].map((m) => m.mid));
  return { relay, sink, first, mid };
}

const story = async (relay: Relay, mid: number): Promise<string[]> => {
  await relay.log.flush();
  return (await relay.control.logTail({ mid })).lines;
};

describe('a message queued during an outage', () => {
  it('has its whole story in the log: ready, waiting for the named host once per outage, retry, delivered', async () => {
    const { relay, sink, mid } = await outage();
    // Many probes and several retry rounds of this message while the host stays Down.
    await Promise.all([probes(relay, 6), deferrals(relay, mid, 2 * 3)]);
    const during = await story(relay, mid);
    const waiting = during.filter((l) => / deferred: waiting for /.test(l));
    expect(waiting).toHaveLength(1);
    const down = internalsOf(relay).hosts.get(sink.key)!;
    const since = new Date(down.since).toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(waiting[0]).toMatch(new RegExp(`Info: MID ${mid} RID \\[(?:0, 1|1, 0)\\] deferred: waiting for Exchange \\(${sink.key.replace(/\./g, '\\.')}\\) which is down since ${since}$`));

    // An operator's retry during the outage is in the story, with its operation.
    const r = await relay.control.retry({ mid });
    await deferrals(relay, mid, 2);
    // The server comes back: the next probe finds it and the message goes.
    await sink.start();
    await waitFor(relay, () => internalsOf(relay).queue.get(mid) === undefined, 'the message delivered');
    const lines = await story(relay, mid);
    const text = lines.map((l) => l.replace(/^\S+ /, '')); // without the timestamp
    const R = '\\[(?:0, 1|1, 0)\\]'; // the recipients, in whichever order they were taken
    const order = [
      new RegExp(`^Info: Start MID ${mid} ICID \\d+$`),
      new RegExp(`^Info: MID ${mid} ready \\d+ bytes from <scanner@office\\.test>$`),
      new RegExp(`^Info: MID ${mid} RID ${R} deferred: waiting for Exchange \\(`),
      new RegExp(`^Info: MID ${mid} RID ${R} retry requested by operator \\(retry, operation ${r.operationId}\\)$`),
      new RegExp(`^Info: Retry operation ${r.operationId} of MID ${mid} finished: 0 delivered, 2 deferred, 0 bounced$`),
      new RegExp(`^Info: Delivery start DCID \\d+ MID ${mid} to RID ${R}$`),
      new RegExp(`^Info: MID ${mid} RID ${R} Response '250 `),
      new RegExp(`^Info: Message finished MID ${mid} done$`),
    ];
    let at = -1;
    for (const re of order) {
      const i = text.findIndex((l, j) => j > at && re.test(l));
      expect(i, `${re} after line ${at} in:\n${text.join('\n')}`).toBeGreaterThan(at);
      at = i;
    }
    // Still one waiting line for the whole outage, the retry round included.
    expect(text.filter((l) => / deferred: waiting for /.test(l))).toHaveLength(1);
    // The host's own lines name it too, with the reason and the downtime.
    const log = await mailLog(relay);
    expect(log).toMatch(new RegExp(`Info: Host down: Exchange \\(${sink.key.replace(/\./g, '\\.')}\\) reason: `));
    expect(log).toMatch(new RegExp(`Info: Host up: Exchange \\(${sink.key.replace(/\./g, '\\.')}\\) \\(probe\\) after \\d+s down`));
    expect(sink.messages.flatMap((m) => m.to)).toEqual(expect.arrayContaining(['a@corp.test', 'b@corp.test']));
  }, 30_000);

  it('gets a new waiting line when its host goes Down again (a new outage), and one per outage only', async () => {
    const { relay, sink, mid } = await outage();
    await deferrals(relay, mid, 2 * 2);
    const firstSince = internalsOf(relay).hosts.get(sink.key)!.since;
    // Back, but refusing this message's recipients for now: it stays queued across the recovery.
    sink.behaviour.rcpt = { 'a@corp.test': 451, 'b@corp.test': 451 };
    await sink.start();
    await once(internalsOf(relay).hosts, 'up');
    await deferrals(relay, mid, 2); // tried on the Up host, 451
    // Second outage: its next attempt finds the host gone, then it waits again.
    await sink.stop();
    await once(internalsOf(relay).hosts, 'down');
    await deferrals(relay, mid, 2 * 3);
    const lines = await story(relay, mid);
    const waiting = lines.filter((l) => / deferred: waiting for Exchange /.test(l));
    const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const secondSince = internalsOf(relay).hosts.get(sink.key)!.since;
    expect(secondSince).toBeGreaterThan(firstSince);
    expect(waiting).toHaveLength(2);
    expect(waiting[0]).toContain(`which is down since ${iso(firstSince)}`);
    expect(waiting[1]).toContain(`which is down since ${iso(secondSince)}`);
  }, 30_000);
});
