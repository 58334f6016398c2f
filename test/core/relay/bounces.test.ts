/**
 * End-to-end tests of the relay core (issue 2), part 3: notifications. A 5xx
 * bounces with an RFC 3464 NDR to the sender (never to <>), an expired
 * recipient bounces with 4.4.7 or its last error's status, and a delay warning
 * is sent once. The sender's domain is routed to its own sink so the DSNs
 * travel the relay's normal delivery path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Relay } from '../../../core/relay.js';
import { waitFor } from '../../helpers/relay-harness.js';
import { finishedMids, fixture, mailLog, parseDsn, route } from '../../helpers/relay-e2e-harness.js';
import { sendMail } from '../../helpers/send-mail.js';
import { internalsOf } from '../../../core/relay-internals.js';

const f = fixture();
afterEach(() => f.cleanup());

const recipient = (relay: Relay, domain: string) => [...internalsOf(relay).queue.pendingForDomain(domain)][0];

describe('relay end to end: bounces and warnings', () => {
  it('550 at RCPT bounces with an NDR to the sender; a null sender gets none', async () => {
    const dest = await f.sink({ rcpt: { 'gone@corp.test': 550 } });
    const senders = await f.sink();
    const relay = await f.relay({ routes: [route('corp.test', [dest, 10]), route('office.test', [senders, 10])] });
    const done = finishedMids(relay);

    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['gone@corp.test', 'ok@corp.test'], subject: 'report' });
    const [ndr] = await senders.waitForMessages(1);
    expect(dest.messages.map((m) => m.to)).toEqual([['ok@corp.test']]);
    expect(ndr!.from).toBe('');
    expect(ndr!.to).toEqual(['app@office.test']);
    const dsn = parseDsn(ndr!);
    expect(dsn.contentType).toMatch(/^multipart\/report;.*report-type="?delivery-status/i);
    expect(dsn.actions).toEqual(['failed']);
    expect(dsn.statuses).toHaveLength(1);
    expect(dsn.statuses[0]).toMatch(/^5\.\d+\.\d+$/);
    expect(dsn.raw).toMatch(/Final-Recipient:\s*rfc822;\s*gone@corp\.test/i);
    expect(dsn.raw).not.toMatch(/Final-Recipient:\s*rfc822;\s*ok@corp\.test/i);
    await waitFor(relay, () => done.length === 2, 'original and NDR finished');
    expect(internalsOf(relay).stats.bounced).toBe(1);

    // Null sender: the bounce is recorded, no NDR is queued or delivered.
    await sendMail(relay.smtp.port, { from: '', to: ['gone@corp.test'] });
    await waitFor(relay, () => done.length === 3, 'null-sender message finished');
    expect(internalsOf(relay).queue.pendingMessageCount).toBe(0);
    expect(senders.messages).toHaveLength(1);
    expect(internalsOf(relay).stats.bounced).toBe(2);
    expect(await mailLog(relay)).toMatch(new RegExp(`MID ${done[2]} RID \\[0\\] no bounce notification: null sender`));
  });

  it.each([
    // The sink's usual 451 text carries 4.3.0: the last error's code wins over 4.4.7.
    ['with an enhanced code', '4.3.0', 451],
    ['without an enhanced code', '4.4.7', { code: 451, text: 'try again later' }],
  ] as const)('a recipient queued past maxQueueSeconds bounces (451 %s → %s)', async (_name, status, dot) => {
    const dest = await f.sink({ dot });
    const senders = await f.sink();
    const relay = await f.relay({
      routes: [route('corp.test', [dest, 10]), route('office.test', [senders, 10])],
      bounceProfiles: { default: { initialRetrySeconds: 0.3, maxRetrySeconds: 0.3, maxQueueSeconds: 1.5 } },
    });

    const sentAt = Date.now();
    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['slow@corp.test'] });
    const [ndr] = await senders.waitForMessages(1, 8000);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(1500);
    expect(dest.stats.transactions).toBeGreaterThanOrEqual(2);
    const dsn = parseDsn(ndr!);
    expect(dsn.actions).toEqual(['failed']);
    expect(dsn.statuses).toEqual([status]);
    expect(dsn.raw).toMatch(/451/);
    expect(await mailLog(relay)).toMatch(/RID 0 expired: /);
    expect(dest.messages).toHaveLength(0);
  });

  it('delayWarningSeconds sends exactly one delayed DSN while retries go on', async () => {
    const dest = await f.sink({ dot: 451 });
    const senders = await f.sink();
    const relay = await f.relay({
      routes: [route('corp.test', [dest, 10]), route('office.test', [senders, 10])],
      bounceProfiles: { default: { initialRetrySeconds: 0.2, maxRetrySeconds: 0.2, maxQueueSeconds: 3600, delayWarningSeconds: 1 } },
    });

    await sendMail(relay.smtp.port, { from: 'app@office.test', to: ['slow@corp.test'] });
    const [warning] = await senders.waitForMessages(1, 8000);
    const dsn = parseDsn(warning!);
    expect(dsn.contentType).toMatch(/^multipart\/report/i);
    expect(dsn.actions).toEqual(['delayed']);
    expect(dsn.statuses[0]).toMatch(/^4\./);
    expect(dsn.raw).toMatch(/Will-Retry-Until:/i);

    // Several more deferrals after the warning: none may warn again.
    const r = recipient(relay, 'corp.test')!;
    const after = r.attempts;
    await waitFor(relay, () => r.attempts >= after + 4, 'four more attempts', 8000);
    expect(r.delayWarned).toBe(true);
    expect(senders.messages).toHaveLength(1);
    const log = await mailLog(relay);
    expect(log.match(/delay warning generated/g)).toHaveLength(1);
    expect(r.state === 'queued' || r.state === 'active').toBe(true);
  });
});
