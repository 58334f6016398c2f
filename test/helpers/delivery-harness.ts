/**
 * engine-fixtures: what delivery tests share: an in-memory mail log, a
 * HostFeedback that records calls, a job builder, and cleanup of engines and
 * sinks after each test.
 */
import { Readable } from 'node:stream';
import { afterEach } from 'vitest';
import { createDeliveryEngine, type DeliveryEngineOptions } from '../../../core/delivery/delivery-engine.js';
import type { DeliveryEngine, DeliveryJob, HostFeedback } from '../../../core/delivery/delivery-types.js';
import type { RelayError } from '../../../core/errors/relay-error.js';
import type { LogLevel, MailLog } from '../../../core/log/log-types.js';
import type { Destination } from '../../../core/routing/routing-types.js';
import { closedPort } from '../../helpers/ports.js';
import { startSmtpSink, type SinkBehaviour, type SmtpSink } from '../../helpers/smtp-sink.js';

export class MemoryLog implements MailLog {
  lines: string[] = [];
  readonly file = '(memory)';
  write(level: LogLevel, text: string): void {
    this.lines.push(`${level}: ${text}`);
  }
  info(text: string): void {
    this.write('Info', text);
  }
  warn(text: string): void {
    this.write('Warning', text);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  matching(re: RegExp): string[] {
    return this.lines.filter((l) => re.test(l));
  }
}

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

/** Polls a condition where no event exists to await; fails after the deadline. */
export async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
