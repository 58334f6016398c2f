/**
 * relay-harness: start a real relay on a temp data dir with ephemeral ports,
 * send it mail over real SMTP, and wait for queue states through events.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConfig } from '../../core/config/load-config.js';
import { startRelay, type Relay, type RelayOptions } from '../../core/relay.js';
import { internalsOf } from '../../core/relay-internals.js';

export async function tempDir(prefix = 'rw-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A config for tests: loopback, ephemeral ports, fast timeouts. */
export function testConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const delivery = {
    connectTimeoutSeconds: 2,
    commandTimeoutSeconds: 2,
    probeInitialSeconds: 0.1,
    probeMaxSeconds: 0.5,
    idleConnectionSeconds: 1,
    ...((extra.delivery as object | undefined) ?? {}),
  };
  return {
    hostname: 'relay.test',
    listen: { host: '127.0.0.1', port: 0 },
    control: { host: '127.0.0.1', port: 0 },
    ...extra,
    delivery,
  };
}

export async function startTestRelay(
  config: Record<string, unknown>,
  dataDir: string,
  opts: Partial<RelayOptions> = {},
): Promise<Relay> {
  return startRelay({ config: parseConfig(config), dataDir, flushIntervalMs: 50, ...opts });
}

export interface SendResult {
  accepted: string[];
  rejected: string[];
  response: string;
}

/** Sends one message over real SMTP; resolves with the server's final reply. */
export async function sendMail(
  port: number,
  msg: { from: string; to: string[]; subject?: string; body?: string; raw?: string; localAddress?: string },
): Promise<SendResult> {
  const conn = new SMTPConnection({ host: '127.0.0.1', port, ignoreTLS: true, localAddress: msg.localAddress, logger: false });
  await new Promise<void>((resolve, reject) => {
    conn.once('error', reject);
    conn.connect(() => resolve());
  });
  const raw =
    msg.raw ??
    `From: <${msg.from}>\r\nTo: ${msg.to.map((t) => `<${t}>`).join(', ')}\r\nSubject: ${msg.subject ?? 'test'}\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@test>\r\n\r\n${msg.body ?? 'hello'}\r\n`;
  try {
    const info = await new Promise<{ accepted: string[]; rejected: string[]; response: string }>((resolve, reject) =>
      conn.send({ from: msg.from, to: msg.to }, raw, (err, info) => (err ? reject(err) : resolve(info as never))),
    );
    return info;
  } finally {
    conn.quit();
  }
}

/** Resolves when `test()` holds, re-checking on every queue and host event (no sleeps). */
export async function waitFor(relay: Relay, test: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  if (test()) return;
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (test()) {
        done();
        resolve();
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out waiting for: ${what}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      internalsOf(relay).queue.off('outcome', check);
      internalsOf(relay).queue.off('finished', check);
      internalsOf(relay).hosts.off('change', check);
    };
    internalsOf(relay).queue.on('outcome', check);
    internalsOf(relay).queue.on('finished', check);
    internalsOf(relay).hosts.on('change', check);
  });
}

export { once };
