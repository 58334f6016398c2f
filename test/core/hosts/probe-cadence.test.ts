/**
 * probe-cadence: a Down destination named in a route comes back within
 * seconds (issue 12, item 1), against a real relay and a real SMTP sink that
 * is stopped and restarted on the same port. Probe times come from the
 * prober's `probe` events; operator clicks go over the HTTP control API.
 * Uses the shipped probe defaults (probeMaxSeconds 5), not the harness's.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createControlClient, type ControlClient } from '../../../core/control/client/client.js';
import type { ProbeReport } from '../../../core/hosts/host-prober.js';
import type { Relay } from '../../../core/relay.js';
import { once, startTestRelay, waitFor } from '../../helpers/relay-harness.js';
import { sendMail } from '../../helpers/send-mail.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { internalsOf } from '../../../core/relay-internals.js';

const CADENCE_MS = 5000;
/** A refused loopback probe takes milliseconds; this covers timer and event-loop lateness on a loaded machine. */
const SLACK_MS = 400;
const RECIPIENTS = ['a@corp.test', 'b@corp.test', 'c@corp.test'];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ relay: Relay; sink: SmtpSink; api: ControlClient; probes: ProbeReport[]; downAt: number }> {
  const sink = await startSmtpSink();
  cleanups.push(() => sink.stop());
  const dir = await tempDir('rw-probe-');
  cleanups.push(dir.remove);
  const relay = await startTestRelay(
    testConfig({
      routes: [{ domain: 'corp.test', destinations: [{ host: '127.0.0.1', port: sink.port, tls: 'none', name: 'Exchange' }] }],
      // The shipped defaults, not the harness's fast ones.
      delivery: { probeInitialSeconds: undefined, probeMaxSeconds: undefined },
      // Long retry waits: nothing is delivered by the bounce profile's clock.
      bounceProfiles: { default: { initialRetrySeconds: 300, maxRetrySeconds: 600 } },
    }),
    dir.dir,
  );
  cleanups.push(() => relay.stop());
  const probes: ProbeReport[] = [];
  internalsOf(relay).prober.on('probe', (p) => probes.push(p));
  const token = (await readFile(relay.paths.token, 'utf8')).trim();
  const api = createControlClient({ baseUrl: `http://127.0.0.1:${relay.controlAddress!.port}/`, token });

  await sink.stop();
  await sendMail(relay.smtp.port, { from: 'scanner@office.test', to: RECIPIENTS });
  await waitFor(relay, () => internalsOf(relay).hosts.get(sink.key)?.status === 'down', 'the host Down');
  const downAt = internalsOf(relay).hosts.get(sink.key)!.since;
  await waitFor(relay, () => internalsOf(relay).queue.pendingRecipients === RECIPIENTS.length && internalsOf(relay).queue.activeRecipients === 0, 'recipients waiting');
  return { relay, sink, api, probes, downAt };
}

const nextProbe = (relay: Relay, pred: (p: ProbeReport) => boolean = () => true): Promise<ProbeReport> =>
  new Promise((resolve) => {
    const on = (p: ProbeReport): void => {
      if (!pred(p)) return;
      internalsOf(relay).prober.off('probe', on);
      resolve(p);
    };
    internalsOf(relay).prober.on('probe', on);
  });

/** ms from now until every recipient is delivered and the sink has them all. */
async function drained(relay: Relay, sink: SmtpSink): Promise<number> {
  const t0 = Date.now();
  await waitFor(relay, () => internalsOf(relay).queue.pendingRecipients === 0, 'the queue drained', 20_000);
  await sink.waitForMessages(1);
  expect(sink.messages.flatMap((m) => m.to).sort()).toEqual(RECIPIENTS);
  return Date.now() - t0;
}

describe('a Down destination named in a route', () => {
  it('is probed every 5 s however often the operator clicks, and its queue drains within 6 s of it coming back', async () => {
    const { relay, sink, api, probes, downAt } = await setup();
    // Three manual retries during the outage, each answered by a probe at once.
    const clicks = [() => api.api.delivernow({ host: sink.key }), () => api.api.retryall(), () => api.api.delivernow({ host: 'Exchange' })];
    for (const click of clicks) {
      const probed = nextProbe(relay, (p) => p.manual);
      const at = Date.now();
      await click();
      const p = await probed;
      expect(p.ok).toBe(false);
      expect(p.at - at).toBeLessThan(1000);
    }
    // Two scheduled probes after the clicks: neither pushed out by them.
    await nextProbe(relay, (p) => !p.manual);
    await nextProbe(relay, (p) => !p.manual);
    const scheduled = probes.filter((p) => !p.manual);
    expect(scheduled.length).toBeGreaterThanOrEqual(2);
    let prevEnd = downAt;
    for (const p of scheduled) {
      expect(p.at - prevEnd, `probe at +${p.at - downAt} ms`).toBeLessThanOrEqual(CADENCE_MS + SLACK_MS);
      prevEnd = p.at + p.ms;
    }
    expect(internalsOf(relay).hosts.get(sink.key)!.status).toBe('down');
    expect(internalsOf(relay).hosts.get(sink.key)!.lastProbeAt).toBe(probes.at(-1)!.at);

    // The server comes back; nobody clicks.
    await sink.start();
    const ms = await drained(relay, sink);
    expect(ms).toBeLessThanOrEqual(6000);
    console.log(`[probe-cadence] queue drained ${ms} ms after the server came back, no click`);
  }, 40_000);

  it('drains within 1 s of a delivernow once the server is back', async () => {
    const { relay, sink, api } = await setup();
    // Clicks during the outage must not make the later one slower.
    for (let i = 0; i < 3; i++) {
      const probed = nextProbe(relay, (p) => p.manual);
      await api.api.delivernow({ host: sink.key });
      await probed;
    }
    // Back just after a scheduled probe failed: the next one is 5 s away, so
    // only the click can bring it Up within the second.
    await nextProbe(relay, (p) => !p.manual);
    await sink.start();
    const up = once(internalsOf(relay).hosts, 'up');
    const t0 = Date.now();
    await api.api.delivernow({ host: sink.key });
    await up;
    await drained(relay, sink);
    const ms = Date.now() - t0;
    expect(ms).toBeLessThanOrEqual(1000);
    console.log(`[probe-cadence] queue drained ${ms} ms after delivernow`);
  }, 30_000);
});
