/**
 * relay-e2e-harness: one place that starts relays and sinks for the
 * end-to-end tests of the relay core and tears every one of them down.
 *
 * Owns: the per-test registry (relays, sinks, temp dirs) and small readers of
 * what a relay leaves on disk (mail.log, spool files) and of DSNs a sink got.
 * Does not own: the relay or the sink (test/helpers/).
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Relay, RelayOptions } from '../../core/relay.js';
import { startTestRelay } from './relay-harness.js';
import { startSmtpSink, type ReceivedMessage, type SinkBehaviour, type SmtpSink } from './smtp-sink.js';
import { tempDir } from './temp-dir.js';
import { testConfig } from './test-config.js';
import { internalsOf } from '../../core/relay-internals.js';

export interface Fixture {
  sink(b?: SinkBehaviour): Promise<SmtpSink>;
  /** A sink that is down: its port was bound once and is now closed (connection refused). */
  deadSink(b?: SinkBehaviour): Promise<SmtpSink>;
  dir(): Promise<string>;
  relay(config: Record<string, unknown>, dataDir?: string, opts?: Partial<RelayOptions>): Promise<Relay>;
  cleanup(): Promise<void>;
}

export function fixture(): Fixture {
  const relays: Relay[] = [];
  const sinks: SmtpSink[] = [];
  const removers: (() => Promise<void>)[] = [];
  const f: Fixture = {
    async sink(b = {}) {
      const s = await startSmtpSink(b);
      sinks.push(s);
      return s;
    },
    async deadSink(b = {}) {
      const s = await f.sink(b);
      await s.stop();
      return s;
    },
    async dir() {
      const t = await tempDir('rw-relay-e2e-');
      removers.push(t.remove);
      return t.dir;
    },
    async relay(config, dataDir, opts) {
      const r = await startTestRelay(testConfig(config), dataDir ?? (await f.dir()), opts);
      relays.push(r);
      return r;
    },
    async cleanup() {
      // Relays first (they hold connections to the sinks), then sinks, then files.
      await Promise.all(relays.splice(0).map((r) => r.stop('test done', 2000)));
      await Promise.all(sinks.splice(0).map((s) => s.stop()));
      for (const rm of removers.splice(0)) await rm();
    },
  };
  return f;
}

/** A route to some sinks, each as a Destination with the given priority. */
export function route(domain: string, ...dests: [SmtpSink, number][]): Record<string, unknown> {
  return { domain, destinations: dests.map(([s, priority]) => ({ host: s.host, port: s.port, priority, tls: 'none' })) };
}

/** The mail log as written so far (flushed first). */
export async function mailLog(relay: Relay): Promise<string> {
  await relay.log.flush();
  return readFile(join(relay.paths.root, 'mail.log'), 'utf8');
}

export async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** MIDs that reach `finished` on this relay, in order. */
export function finishedMids(relay: Relay): number[] {
  const out: number[] = [];
  internalsOf(relay).queue.on('finished', (m) => out.push(m.mid));
  return out;
}

/** MID of the message whose Start MID line is the n-th in the log text. */
export function startMids(log: string): number[] {
  return [...log.matchAll(/Start MID (\d+) ICID \d+/g)].map((m) => Number(m[1]));
}

export interface Dsn {
  raw: string;
  contentType: string;
  actions: string[];
  statuses: string[];
}

/** The delivery-status fields of a DSN a sink received (RFC 3464 §2.3). */
export function parseDsn(msg: ReceivedMessage): Dsn {
  const raw = msg.raw.toString('utf8');
  const header = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  return {
    raw,
    contentType: /^Content-Type:\s*(.*)$/im.exec(header)?.[1] ?? '',
    actions: [...raw.matchAll(/^Action:\s*(\S+)/gim)].map((m) => m[1]!.toLowerCase()),
    statuses: [...raw.matchAll(/^Status:\s*(\S+)/gim)].map((m) => m[1]!),
  };
}
