/**
 * retry-message: `retry --mid N` on a message whose host is Down (issue 12,
 * item 3), against a real relay and a real SMTP sink stopped and restarted on
 * the same port. Probes are 10 min apart, so only the retry itself can find
 * the server back; the retry must probe at once, deliver if the host answers,
 * report the real outcome, and never push the message's next attempt later.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlEvents } from '../../../common/events.js';
import type { Relay } from '../../../core/relay.js';
import { internalsOf } from '../../../core/relay-internals.js';
import { once, startTestRelay, waitFor } from '../../helpers/relay-harness.js';
import { runCli } from '../../helpers/relay-process.js';
import { sendMail } from '../../helpers/send-mail.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';

type Progress = ControlEvents['retry-progress'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function outage(): Promise<{ relay: Relay; sink: SmtpSink; dir: string; mid: number }> {
  const sink = await startSmtpSink();
  cleanups.push(() => sink.stop());
  const dir = await tempDir('rw-retry-mid-');
  cleanups.push(dir.remove);
  const relay = await startTestRelay(
    testConfig({
      routes: [{ domain: 'corp.test', destinations: [{ host: '127.0.0.1', port: sink.port, tls: 'none', name: 'Exchange' }] }],
      delivery: { probeInitialSeconds: 600, probeMaxSeconds: 600 },
      bounceProfiles: { default: { initialRetrySeconds: 300, maxRetrySeconds: 600 } },
    }),
    dir.dir,
  );
  cleanups.push(() => relay.stop());
  await sink.stop();
  await sendMail(relay.smtp.port, { from: 'scanner@office.test', to: ['first@corp.test'] });
  await waitFor(relay, () => internalsOf(relay).hosts.get(sink.key)?.status === 'down', 'the host Down');
  // Queued during the outage: never tried, it waits for the host.
  await sendMail(relay.smtp.port, { from: 'scanner@office.test', to: ['a@corp.test', 'b@corp.test'] });
  const q = internalsOf(relay).queue;
  await waitFor(relay, () => q.pendingRecipients === 3 && q.activeRecipients === 0, 'recipients waiting');
  const mid = Math.max(...[...q.messagesInOrder()].map((m) => m.mid));
  return { relay, sink, dir: dir.dir, mid };
}

/** The `done` progress event of one operation. */
function finished(relay: Relay, operationId: () => string | undefined): Promise<Progress> {
  return new Promise((resolve) => {
    const sub = relay.hub.subscribe((e) => {
      if (e.type !== 'retry-progress') return;
      const p = e.data as Progress;
      if (p.operationId !== operationId() || !p.done) return;
      sub.unsubscribe();
      resolve(p);
    });
  });
}

describe('retry of one message whose host is Down', () => {
  it('probes at once and delivers within 1 s when the server is back but not yet probed', async () => {
    const { relay, sink, mid } = await outage();
    await sink.start(); // back; the next scheduled probe is 10 min away
    const op: { id?: string } = {};
    const done = finished(relay, () => op.id);
    const t0 = Date.now();
    const r = await relay.control.retry({ mid });
    op.id = r.operationId;
    expect(r.scheduled).toBe(2);
    const p = await done;
    await sink.waitForMessages(1);
    const ms = Date.now() - t0;
    expect(p).toMatchObject({ total: 2, delivered: 2, deferred: 0, bounced: 0 });
    // The host is Up now, so the first message goes too; the retried one is in the sink.
    expect(sink.messages.flatMap((m) => m.to)).toEqual(expect.arrayContaining(['a@corp.test', 'b@corp.test']));
    expect(ms).toBeLessThan(1000);
    console.log(`[retry-message] delivered ${ms} ms after retry --mid`);
  }, 30_000);

  it('retry --mid --wait --json reports delivered 1 for a one-recipient message', async () => {
    const { relay, sink, dir } = await outage();
    const first = [...internalsOf(relay).queue.messagesInOrder()].find((m) => m.recipients.some((r) => r.address === 'first@corp.test'))!;
    await sink.start();
    const out = await runCli(['retry', '--mid', String(first.mid), '--wait', '--json', '--data-dir', dir]);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ delivered: 1, deferred: 0, bounced: 0 });
    await sink.waitForMessages(1);
    expect(sink.messages[0]!.to).toEqual(['first@corp.test']);
  }, 30_000);

  it('never moves the next attempt later while the host is still down', async () => {
    const { relay, sink, mid } = await outage();
    const m = internalsOf(relay).queue.get(mid)!;
    const before = m.recipients.map((r) => r.nextAttemptAt);
    for (let i = 0; i < 3; i++) {
      const op: { id?: string } = {};
      const done = finished(relay, () => op.id);
      // Each retry probes the Down host itself (a manual probe) and finds it down.
      const probed = once(internalsOf(relay).prober, 'probe');
      op.id = (await relay.control.retry({ mid })).operationId;
      expect(await done).toMatchObject({ total: 2, delivered: 0, deferred: 2, bounced: 0 });
      expect((await probed)[0]).toMatchObject({ manual: true, ok: false });
    }
    expect(internalsOf(relay).hosts.get(sink.key)!.status).toBe('down');
    const after = m.recipients.map((r) => r.nextAttemptAt);
    for (let i = 0; i < after.length; i++) expect(after[i]!).toBeLessThanOrEqual(before[i]!);
    expect(m.recipients.every((r) => r.state === 'queued')).toBe(true);
  }, 30_000);
});
