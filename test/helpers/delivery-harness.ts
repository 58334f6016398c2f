/**
 * delivery-harness: what delivery tests share: a delivery engine logging to
 * a MemoryLog, a HostFeedback that records calls, a job builder, and cleanup
 * of engines and sinks after each test.
 */
import { Readable } from 'node:stream';
import { afterEach } from 'vitest';
import { createDeliveryEngine, type DeliveryEngineOptions } from '../../core/delivery/delivery-engine.js';
import type { DeliveryEngine, DeliveryJob, HostFeedback } from '../../core/delivery/delivery-types.js';
import type { RelayError } from '../../core/errors/relay-error.js';
import type { Destination } from '../../core/routing/routing-types.js';
import { MemoryLog } from './memory-log.js';
import { closedPort } from './ports.js';
import { startSmtpSink, type SinkBehaviour, type SmtpSink } from './smtp-sink.js';

export class RecordingFeedback implements HostFeedback {
  calls: string[] = [];
  failures = new Map<string, RelayError>();
  open = new Map<string, number>();
  hostAnswered(key: string): void {
    this.calls.push(`answered ${key}`);
  }
  hostFailed(key: string, error: RelayError): void {
    this.calls.push(`failed ${key}`);
    this.failures.set(key, error);
  }
  transactionLost(key: string, mid: number, error: RelayError): void {
    this.calls.push(`lost ${key} MID ${mid}`);
    this.failures.set(key, error);
  }
  transactionAnswered(key: string): void {
    this.calls.push(`tx answered ${key}`);
  }
  connectionOpened(key: string): void {
    this.open.set(key, (this.open.get(key) ?? 0) + 1);
  }
  connectionClosed(key: string): void {
    this.open.set(key, (this.open.get(key) ?? 0) - 1);
  }
  recipientsDelivered(key: string, n: number): void {
    this.calls.push(`delivered ${key} ${n}`);
  }
  recipientsFailed(key: string, n: number): void {
    this.calls.push(`bounced ${key} ${n}`);
  }
  failed(key: string): boolean {
    return this.calls.includes(`failed ${key}`);
  }
  lost(key: string): boolean {
    return this.calls.some((c) => c.startsWith(`lost ${key} `));
  }
}

const engines: DeliveryEngine[] = [];
const sinks: SmtpSink[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close(1000);
  for (const s of sinks.splice(0)) await s.stop();
});

export async function sink(b: SinkBehaviour = {}): Promise<SmtpSink> {
  const s = await startSmtpSink(b);
  sinks.push(s);
  return s;
}

export function engine(opts: Partial<DeliveryEngineOptions> = {}) {
  const log = new MemoryLog();
  const feedback = new RecordingFeedback();
  let dcid = 100;
  const e = createDeliveryEngine({
    hostname: 'relay.test',
    log,
    feedback,
    nextDcid: () => ++dcid,
    maxConnectionsPerHost: 4,
    connectTimeoutMs: 2000,
    commandTimeoutMs: 2000,
    dataTimeoutMs: 2000,
    idleMs: 5000,
    ...opts,
  });
  engines.push(e);
  return { engine: e, log, feedback };
}

export const MESSAGE = 'From: app@office.test\r\nTo: a@dest.test\r\nSubject: test\r\n\r\nHello.\r\n';

export function job(destinations: Destination[], over: Partial<DeliveryJob> & { addresses?: string[]; content?: string | Buffer } = {}): DeliveryJob {
  const content = over.content ?? MESSAGE;
  const buf = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const addresses = over.addresses ?? ['a@dest.test'];
  return {
    mid: 7,
    sender: 'app@office.test',
    recipients: addresses.map((address, rid) => ({ rid, address })),
    domain: 'dest.test',
    destinations,
    size: buf.length,
    // Two chunks, so the content really streams.
    openContent: async () => Readable.from([buf.subarray(0, buf.length >> 1), buf.subarray(buf.length >> 1)]),
    ...over,
  };
}

export { closedPort };

export const refusedDest = async (priority = 0): Promise<Destination> => {
  const port = await closedPort();
  return { key: `127.0.0.1:${port}`, host: '127.0.0.1', port, priority, tls: 'none' };
};

