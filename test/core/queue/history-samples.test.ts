/**
 * Issue 12 item 5: the charts' history is real. A real relay in-process, a
 * real SMTP sink on loopback that is down while 20 recipients queue, then
 * comes back: `history` shows the queue depth rise to 20 and fall to 0, the
 * deliveries counted, and the host's period Down then Up under its name.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { HistorySample } from '../../../common/contract.js';
import type { Relay } from '../../../core/relay.js';
import { internalsOf } from '../../../core/relay-internals.js';
import { startTestRelay, waitFor } from '../../helpers/relay-harness.js';
import { sendMail } from '../../helpers/send-mail.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';

let relay: Relay | undefined;
let sink: SmtpSink | undefined;
let removeDir: (() => Promise<void>) | undefined;

afterEach(async () => {
  await relay?.stop();
  await sink?.stop();
  await removeDir?.();
  relay = sink = removeDir = undefined;
});

const peak = (s: HistorySample[]): number => Math.max(0, ...s.map((x) => x.queuedMax ?? x.queued));
const sum = (s: HistorySample[], k: 'delivered' | 'bounced'): number => s.reduce((n, x) => n + x[k], 0);

describe('history (real relay, real sink)', () => {
  it('shows the queue depth rise while the host is down and fall to 0 once it drained', async () => {
    const N = 20;
    const { dir, remove } = await tempDir();
    removeDir = remove;
    sink = await startSmtpSink();
    await sink.stop();
    const config = testConfig({
      routes: [{ domain: 'corp.test', destinations: [{ host: sink.host, port: sink.port, name: 'Office mail server', priority: 10, tls: 'none' }] }],
    });
    relay = await startTestRelay(config, dir);
    const { queue, hosts } = internalsOf(relay);
    for (let i = 0; i < N / 2; i++) await sendMail(relay.smtp.port, { from: 'app@office.test', to: [`a${i}@corp.test`, `b${i}@corp.test`] });
    await waitFor(relay, () => queue.pendingRecipients === N && hosts.get(sink!.key)?.status === 'down', `${N} queued, host down`);

    const during = await relay.control.history();
    expect(peak(during.recent!)).toBe(N);
    expect(during.recent!.at(-1)!.queued).toBe(N);
    expect(during.samples.at(-1)!.queued).toBe(N);
    expect(sum(during.recent!, 'delivered')).toBe(0);

    await sink.start();
    await sink.waitForMessages(N / 2, 15_000);
    await waitFor(relay, () => queue.pendingRecipients === 0 && hosts.get(sink!.key)?.status === 'up', 'queue drained, host up');

    const after = await relay.control.history();
    const recent = after.recent!;
    expect(peak(recent)).toBe(N);
    expect(recent.at(-1)!.queued).toBe(0);
    // Rose, then fell: the first point that saw N comes no later than the first that ends at 0
    // after it (the same one when the queue drained within one 5 s interval).
    const rose = recent.findIndex((x) => (x.queuedMax ?? x.queued) === N);
    expect(rose).toBeGreaterThanOrEqual(0);
    expect(recent.findIndex((x, i) => i >= rose && x.queued === 0)).toBeGreaterThanOrEqual(rose);
    expect(after.samples.at(-1)!.queued).toBe(0);
    expect(peak(after.samples)).toBe(N);
    expect(sum(recent, 'delivered')).toBe(N);
    expect(sum(after.samples, 'delivered')).toBe(N);
    expect(sum(after.samples, 'bounced')).toBe(0);

    const host = after.hosts.find((h) => h.host === sink!.key);
    expect(host?.name).toBe('Office mail server');
    const statuses = host!.periods.map((p) => p.status);
    expect(statuses.slice(statuses.lastIndexOf('down'))).toEqual(['down', 'up']);
    expect(host!.periods.at(-1)!.to).toBeNull();
  });
});
