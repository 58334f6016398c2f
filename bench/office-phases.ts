/**
 * office-phases: the phases issue 16 added for what offices do: scans (20 devices
 * mailing 5 MB PDFs: throughput and peak memory) and a restart with a full queue
 * (until the listener greets, until the first delivery). run.ts prints the figures.
 */
import { waitQueueSettled, type BenchSide } from './bench-side.js';
import { sampleOver } from './memory-sampler.js';
import { sendScans, waitGreeting } from './scan-client.js';

export interface ScanPlan {
  devices: number;
  perDevice: number;
  size: number;
}

export interface ScanResult {
  mbPerSec: number;
  msgPerSec: number;
  /** Peak of the sampled memory (Relaywatch RSS, Postfix PSS summed), bytes. */
  peakBytes: number;
  seconds: number;
}

const MB = 1024 * 1024;

/** Sends the scans with the sink up and times until the sink has them all; samples memory meanwhile. */
export async function scans(s: BenchSide, p: ScanPlan, timeoutMs: number): Promise<ScanResult> {
  const count = p.devices * p.perDevice;
  const base = s.sink.messages;
  const stopSampling = new AbortController();
  const giveUp = new AbortController();
  const peak = sampleOver(async () => memoryOf(s), { durationMs: timeoutMs, intervalMs: 250, stop: stopSampling.signal });
  try {
    const t0 = performance.now();
    const delivered = s.sink.waitFor(base + count, timeoutMs, giveUp.signal);
    const { messageBytes } = await sendScans({ port: s.smtpPort, devices: p.devices, perDevice: p.perDevice, size: p.size, timeoutMs });
    const seconds = ((await delivered) - t0) / 1000;
    stopSampling.abort();
    await waitQueueSettled(s, 0, 60_000);
    return { mbPerSec: (count * messageBytes) / MB / seconds, msgPerSec: count / seconds, peakBytes: (await peak).max, seconds };
  } finally {
    giveUp.abort();
    stopSampling.abort();
    await peak.catch(() => undefined);
  }
}

export async function memoryOf(s: BenchSide): Promise<number> {
  const m = await s.memory();
  return s.name === 'relaywatch' ? m.rss : m.pss;
}

export interface RestartResult {
  /** From the start command to the 220 greeting, seconds. */
  greeting: number;
  /** From the start command to the first message at the sink, seconds. */
  firstDelivery: number;
  note?: string;
}

/**
 * With `queued` messages deferred (sink down): stop the relay (SIGTERM /
 * `postfix stop`), bring the sink up, start the relay and time the greeting and
 * the first delivery. Both sides hold deferred mail for an hour in this config,
 * so "retry all" is asked for as soon as the listener greets, as an operator
 * would after a restart; Relaywatch falls back to delivernow when its
 * destination is still marked Down (as in the retry-all phase).
 */
export async function restart(s: BenchSide, queued: number, timeoutMs: number): Promise<RestartResult> {
  await waitQueueSettled(s, queued, timeoutMs);
  await s.stop();
  await s.sink.start();
  const giveUp = new AbortController();
  try {
    const t0 = performance.now();
    const first = s.sink.waitFor(1, timeoutMs, giveUp.signal);
    await s.start();
    const tGreet = await waitGreeting(s.smtpPort, timeoutMs);
    let note: string | undefined;
    await retrying(() => s.retryAll(), 30_000);
    if (s.deliverNow) {
      const grace = new AbortController();
      const timer = setTimeout(() => grace.abort(), 10_000);
      const early = await s.sink.waitFor(1, 15_000, AbortSignal.any([giveUp.signal, grace.signal]));
      clearTimeout(timer);
      if (Number.isNaN(early)) {
        note = `${s.name}: retryall after restart delivered nothing in 10 s; timed delivernow`;
        await s.deliverNow();
      }
    }
    const tFirst = await first;
    return { greeting: (tGreet - t0) / 1000, firstDelivery: (tFirst - t0) / 1000, ...(note ? { note } : {}) };
  } finally {
    giveUp.abort();
  }
}

/** The control server may answer a moment after the SMTP listener. */
async function retrying(fn: () => Promise<void>, ms: number): Promise<void> {
  const end = performance.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (performance.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
