/**
 * Bounces you can read (issue 12 item 4): every bounce is recorded with its
 * subject, reason and the fate of its notice, over real SMTP on loopback; a
 * notice that bounces itself is dropped but still leaves a record and a
 * mail.log line; `status` counts it apart from real bounces; the records
 * survive a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/relay-harness.js';
import { finishedMids, fixture, mailLog, route } from '../../helpers/relay-e2e-harness.js';
import { sendMail } from '../../helpers/send-mail.js';
import { internalsOf } from '../../../core/relay-internals.js';

const f = fixture();
afterEach(() => f.cleanup());

// "Überweisung März" as an RFC 2047 encoded-word: the record keeps it decoded.
const ENCODED_SUBJECT = '=?UTF-8?B?w5xiZXJ3ZWlzdW5nIE3DpHJ6?=';

describe('bounce records', () => {
  it('a 550 for one recipient is recorded with subject, reason in words and "notice sent"', async () => {
    const dest = await f.sink({ rcpt: { 'gone@corp.test': 550 } });
    const senders = await f.sink();
    const corp = route('corp.test', [dest, 10]) as { destinations: Record<string, unknown>[] };
    corp.destinations[0]!.name = 'Exchange';
    const relay = await f.relay({ routes: [corp, route('office.test', [senders, 10])] });
    const done = finishedMids(relay);

    await sendMail(relay.smtp.port, { from: 'scanner@office.test', to: ['gone@corp.test', 'ok@corp.test'], subject: ENCODED_SUBJECT });
    await senders.waitForMessages(1);
    await waitFor(relay, () => done.length === 2, 'original and notice finished');

    const { items, total } = await relay.control.bounces();
    expect(total).toBe(1);
    const [b] = items;
    expect(b).toMatchObject({
      kind: 'bounce',
      mid: done[0],
      rid: 0,
      sender: 'scanner@office.test',
      recipient: 'gone@corp.test',
      subject: 'Überweisung März',
      how: 'rejected',
      host: dest.key,
      // Named as the destination is configured, so the Bounces list says "Exchange".
      hostName: 'Exchange',
      status: '5.1.1',
      words: 'the mailbox does not exist',
      notice: { fate: 'sent', to: 'scanner@office.test', mid: done[1] },
    });
    expect(b!.reason).toMatch(/^550 5\.1\.1 /);
    const s = await relay.control.status();
    expect(s.bounced).toEqual({ lastHour: 1, total: 1 });
    expect(s.noticesFailed).toEqual({ lastHour: 0, total: 0 });
  });

  it('a notice that bounces itself is dropped, recorded as a failed notice, and not counted as a second bounce', async () => {
    const dest = await f.sink({ rcpt: { 'gone@corp.test': 550 } });
    // The sender's own domain refuses mail for the sender: the notice bounces.
    const senders = await f.sink({ rcpt: { 'scanner@office.test': { code: 550, text: '5.1.1 <scanner@office.test>: no such user' } } });
    const dataDir = await f.dir();
    const relay = await f.relay({ routes: [route('corp.test', [dest, 10]), route('office.test', [senders, 10])] }, dataDir);
    const done = finishedMids(relay);

    await sendMail(relay.smtp.port, { from: 'scanner@office.test', to: ['gone@corp.test'], subject: 'Scan 7' });
    await waitFor(relay, () => done.length === 2, 'original and its notice finished');
    const [original, notice] = done;

    const { items } = await relay.control.bounces();
    expect(items.map((b) => [b.kind, b.mid])).toEqual([
      ['notice', notice],
      ['bounce', original],
    ]);
    expect(items[0]).toMatchObject({
      sender: '',
      recipient: 'scanner@office.test',
      subject: 'Undelivered Mail Returned to Sender',
      how: 'rejected',
      status: '5.1.1',
      notice: { fate: 'dropped' },
    });
    expect(items[1]).toMatchObject({
      recipient: 'gone@corp.test',
      subject: 'Scan 7',
      notice: { fate: 'notice-failed', to: 'scanner@office.test', mid: notice },
    });
    expect(items[1]!.notice).toHaveProperty('reason', expect.stringMatching(/^550 5\.1\.1 <scanner@office\.test>: no such user/));
    expect(senders.messages).toHaveLength(0);
    expect(await mailLog(relay)).toContain(`MID ${notice} RID [0] bounce notice for MID ${original} dropped: it bounced itself`);

    // "Bounced 1" and, separately, "1 notice failed": not 2.
    const s = await relay.control.status();
    expect(s.bounced).toEqual({ lastHour: 1, total: 1 });
    expect(s.noticesFailed).toEqual({ lastHour: 1, total: 1 });

    // The records are in the state file: a restart keeps them.
    await relay.stop('restart');
    const again = await f.relay({ routes: [route('corp.test', [dest, 10]), route('office.test', [senders, 10])] }, dataDir);
    expect((await again.control.bounces()).items).toEqual(items);
    expect((await again.control.status()).noticesFailed.total).toBe(1);
  });

  it('an operator bounce and a null sender say so; limit and since page the list', async () => {
    const dest = await f.sink({ rcpt: { 'gone@corp.test': 550 }, dot: 451 });
    const relay = await f.relay({ routes: [route('corp.test', [dest, 10])], bounceProfiles: { default: { initialRetrySeconds: 3600 } } });
    const done = finishedMids(relay);

    // Null sender: nobody to tell.
    await sendMail(relay.smtp.port, { from: '', to: ['gone@corp.test'], subject: 'from a device' });
    await waitFor(relay, () => done.length === 1, 'null-sender message finished');
    // Deferred (451 after the dot) for an hour, then bounced by the operator.
    await sendMail(relay.smtp.port, { from: '', to: ['late@corp.test'], subject: 'stuck' });
    const late = () => [...internalsOf(relay).queue.pendingForDomain('corp.test')][0];
    await waitFor(relay, () => late()?.attempts === 1 && late()?.state === 'queued', 'second message deferred');
    await relay.control.bouncerecipients({ mid: late()!.mid });
    await waitFor(relay, () => done.length === 2, 'operator bounce finished');

    const all = await relay.control.bounces();
    expect(all.items.map((b) => [b.recipient, b.how, b.notice.fate])).toEqual([
      ['late@corp.test', 'operator', 'null-sender'],
      ['gone@corp.test', 'rejected', 'null-sender'],
    ]);
    expect(all.items[0]!.reason).toBe('Bounced by the relay operator');
    expect((await relay.control.bounces({ limit: 1 })).items.map((b) => b.recipient)).toEqual(['late@corp.test']);
    expect((await relay.control.bounces({ limit: 1 })).total).toBe(2);
    expect((await relay.control.bounces({ since: all.items[0]!.at + 1 })).items).toEqual([]);
  });
});
