/**
 * Crash safety (issue 2 item 11, issue 6 item 3): SIGKILL the relay process in
 * the middle of a load of a few hundred messages, restart it on the same data
 * dir, and prove that every message that got a 250 is delivered at least once.
 * Repeated at several points: while clients are in DATA with deliveries in
 * flight, while the destination is slow (kill lands inside outbound DATA), and
 * with the destination down (kill lands while the queue index is being flushed).
 */
import { once } from 'node:events';
import { SMTPServer } from 'smtp-server';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelayProcess, writeConfig, type RelayProcess } from '../helpers/relay-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { testConfig } from '../helpers/test-config.js';

interface Sink {
  port: number;
  subjects: Set<string>;
  deliveries: number;
  /** Resolves when every subject in `want` has arrived. */
  waitFor(want: Set<string>, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

async function startSink(opts: { delayMs?: number; refuse?: () => boolean } = {}): Promise<Sink> {
  const subjects = new Set<string>();
  const waiters: (() => void)[] = [];
  let deliveries = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_s, cb) {
      if (opts.refuse?.()) return cb(Object.assign(new Error('try later'), { responseCode: 421 }));
      cb();
    },
    onData(stream, _s, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const finish = (): void => {
          const m = /^Subject: (.*)$/m.exec(Buffer.concat(chunks).toString());
          if (m) subjects.add(m[1]!.trim());
          deliveries++;
          for (const w of waiters.splice(0)) w();
          cb();
        };
        if (opts.delayMs) setTimeout(finish, opts.delayMs);
        else finish();
      });
    },
  });
  // The killed relay's outbound sockets reset under the sink: expected here,
  // recorded so they are not unhandled.
  const resets: Error[] = [];
  server.on('error', (e: Error) => resets.push(e));
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    subjects,
    get deliveries() {
      return deliveries;
    },
    waitFor(want, timeoutMs) {
      const missing = (): string[] => [...want].filter((s) => !subjects.has(s));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not delivered after ${timeoutMs} ms: ${missing().length} of ${want.size}, e.g. ${missing().slice(0, 5).join(', ')}`)), timeoutMs);
        const check = (): void => {
          if (missing().length === 0) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Sends `count` messages over `parallel` connections; reports each 250 as it arrives. */
async function load(port: number, count: number, parallel: number, on250: (subject: string) => void): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const subject = `crash-${i}`;
      const conn = new SMTPConnection({ host: '127.0.0.1', port, ignoreTLS: true, logger: false, connectionTimeout: 5000 });
      // A killed relay can reset the socket more than once: every error goes
      // to the current step, none is left unhandled.
      let fail: (e: Error) => void = () => undefined;
      conn.on('error', (e: Error) => fail(e));
      try {
        await new Promise<void>((res, rej) => {
          fail = rej;
          conn.connect(() => res());
        });
        await new Promise<void>((res, rej) => {
          fail = rej;
          conn.send({ from: 'app@office.test', to: [`user${i % 7}@dest.test`, `other${i % 3}@dest.test`] }, `Subject: ${subject}\r\nFrom: app@office.test\r\n\r\n${'x'.repeat(900)}\r\n`, (err) =>
            err ? rej(err) : res(),
          );
        });
        on250(subject);
        conn.quit();
      } catch {
        // The relay was killed under us: this message never got its 250, so
        // the relay owes nothing for it. Stop this worker.
        conn.close();
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

const procs: RelayProcess[] = [];
const dirs: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  for (const d of dirs.splice(0)) await d();
});

describe('SIGKILL under load, restart, nothing lost', () => {
  const scenarios = [
    { name: 'during DATA with deliveries in flight', sink: {}, killAfter: 120 },
    { name: 'inside outbound DATA (slow destination)', sink: { delayMs: 40 }, killAfter: 150 },
    { name: 'with the destination down (queue index being flushed)', sink: { down: true }, killAfter: 180 },
  ] as const;

  for (const sc of scenarios) {
    it(`kill ${sc.name}`, async () => {
      const { dir, remove } = await tempDir('rw-crash-');
      dirs.push(remove);
      let refusing = 'down' in sc.sink;
      const sink = await startSink({ delayMs: 'delayMs' in sc.sink ? sc.sink.delayMs : 0, refuse: () => refusing });
      dirs.push(() => sink.close());
      const cfgFile = await writeConfig(
        dir,
        testConfig({
          routes: [{ domain: 'ALL', destinations: [{ host: '127.0.0.1', port: sink.port, priority: 0, tls: 'none' }] }],
          bounceProfiles: { default: { initialRetrySeconds: 1, maxRetrySeconds: 1 } },
        }),
      );
      const dataDir = `${dir}/data`;
      const relay1 = await startRelayProcess(cfgFile, dataDir);
      procs.push(relay1);

      const acked = new Set<string>();
      let killed = false;
      await load(relay1.smtpPort, 300, 10, (s) => {
        acked.add(s);
        if (!killed && acked.size >= sc.killAfter) {
          killed = true;
          relay1.child.kill('SIGKILL');
        }
      });
      expect(await relay1.exited).toBe('SIGKILL');
      expect(acked.size).toBeGreaterThanOrEqual(sc.killAfter);
      const before = sink.subjects.size;

      refusing = false;
      const relay2 = await startRelayProcess(cfgFile, dataDir);
      procs.push(relay2);
      await sink.waitFor(acked, 60_000);
      // Sanity: the kill really landed mid-stream (something was left to do).
      expect(before).toBeLessThan(acked.size);
      relay2.child.kill('SIGTERM');
      expect(await relay2.exited).toBe(0);
    }, 120_000);
  }
});
