/**
 * End-to-end tests of the relay core (issue 2), part 1: delivery basics and
 * status counts. A real relay in-process, real SMTP in (sendMail) and out
 * (smtp-sink), a temp data dir. More cases live in test/core/relay/.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/relay-harness.js';
import { exists, finishedMids, fixture, mailLog, route, startMids } from '../../helpers/relay-e2e-harness.js';
import { until } from '../../helpers/until.js';
import { sendMail } from '../../helpers/send-mail.js';
import { internalsOf } from '../../../core/relay-internals.js';

const f = fixture();
afterEach(() => f.cleanup());

describe('relay end to end: delivery', () => {
  it('delivers to the route sink with a Received header, removes the spool file and logs ICID/MID/RID/DCID', async () => {
    const sink = await f.sink();
    const relay = await f.relay({ routes: [route('corp.test', [sink, 10])] });
    const done = finishedMids(relay);

    const res = await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['alice@corp.test'], subject: 'invoice 42' });
    expect(res.accepted).toEqual(['alice@corp.test']);
    const [msg] = await sink.waitForMessages(1);
    await waitFor(relay, () => done.length === 1, 'message finished');

    expect(msg!.to).toEqual(['alice@corp.test']);
    expect(msg!.from).toBe('app@office.test');
    const raw = msg!.raw.toString('utf8');
    expect(raw).toMatch(/^Received: from /);
    expect(raw).toMatch(/by relay\.test/);
    expect(raw).toContain('Subject: invoice 42');

    const mid = done[0]!;
    await until(async () => !(await exists(internalsOf(relay).spool.pathOf(mid))), `spool file of MID ${mid} removed`);

    const log = await mailLog(relay);
    expect(startMids(log)).toEqual([mid]);
    expect(log).toMatch(new RegExp(`Start MID ${mid} ICID \\d+`));
    expect(log).toMatch(new RegExp(`MID ${mid} ICID \\d+ RID 0 To: <alice@corp.test>`));
    const start = new RegExp(`Delivery start DCID (\\d+) MID ${mid} to RID \\[0\\]`).exec(log);
    expect(start).not.toBeNull();
    const dcid = start![1]!;
    expect(log).toContain(`New SMTP DCID ${dcid} interface`);
    expect(log).toContain(`Message done DCID ${dcid} MID ${mid} to RID [0]`);
    expect(log).toContain(`Message finished MID ${mid} done`);
  });

  it('sends recipients of one message that share a route in one transaction, and one per route', async () => {
    const a = await f.sink();
    const b = await f.sink();
    // Two domains on one route (.corp.test covers both subdomains) plus a second route.
    const relay = await f.relay({ routes: [route('.corp.test', [a, 10]), route('other.test', [b, 10])] });
    const done = finishedMids(relay);

    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['x@one.corp.test', 'y@two.corp.test', 'z@one.corp.test'] });
    await waitFor(relay, () => done.length === 1, 'first message finished');
    expect(a.stats.transactions).toBe(1);
    expect(a.messages).toHaveLength(1);
    expect([...a.messages[0]!.to].sort()).toEqual(['x@one.corp.test', 'y@two.corp.test', 'z@one.corp.test']);

    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['p@one.corp.test', 'q@other.test'] });
    await waitFor(relay, () => done.length === 2, 'second message finished');
    expect(a.stats.transactions).toBe(2);
    expect(b.stats.transactions).toBe(1);
    expect(a.messages[1]!.to).toEqual(['p@one.corp.test']);
    expect(b.messages[0]!.to).toEqual(['q@other.test']);
  });
});

describe('relay end to end: status', () => {
  it('status() counts queued and delivered mail', async () => {
    const live = await f.sink();
    const dead = await f.deadSink();
    const relay = await f.relay({
      routes: [route('corp.test', [live, 10]), route('down.test', [dead, 10])],
      bounceProfiles: { default: { initialRetrySeconds: 3600 } },
    });
    const before = await relay.control.status();
    expect(before.queue).toMatchObject({ messages: 0, recipients: 0 });
    expect(before.delivered.total).toBe(0);

    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['a@corp.test'] });
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['b@corp.test', 'c@down.test', 'd@down.test'] });
    await waitFor(
      relay,
      () => internalsOf(relay).stats.delivered === 2 && internalsOf(relay).hosts.get(dead.key)?.status === 'down' && internalsOf(relay).queue.pendingRecipients === 2 && [...internalsOf(relay).queue.pendingForDomain('down.test')].every((r) => r.state === 'queued'),
      'two delivered, two queued for the Down host',
    );
    const s = await relay.control.status();
    expect(s.queue).toMatchObject({ messages: 1, recipients: 2, active: 0 });
    expect(s.queue.oldestMessageAgeSeconds).not.toBeNull();
    expect(s.delivered).toEqual({ lastHour: 2, total: 2 });
    expect(s.bounced.total).toBe(0);
    expect(s.hosts.down).toBe(1);
    expect(s.hosts.up).toBe(1);
    expect(s.spoolBytes).toBeGreaterThan(0);
  });
});
