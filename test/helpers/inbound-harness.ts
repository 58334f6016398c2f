/**
 * inbound-harness: builds a real SmtpListener on an ephemeral loopback port
 * over the real FileSpool in a temp dir (fsyncs included), logging to a
 * MemoryLog, and tears all of it down again.
 */
import { afterEach } from 'vitest';
import { join } from 'node:path';
import { parseConfig } from '../../core/config/load-config.js';
import { SmtpListener, type InboundDeps } from '../../core/inbound/smtp-listener.js';
import { FileSpool } from '../../core/spool/file-spool.js';
import type { SpoolFs } from '../../core/spool/spool-fs.js';
import type { SpooledMessage, SpoolStore } from '../../core/spool/spool-types.js';
import { MemoryLog } from './memory-log.js';
import { RawSmtpClient } from './smtp-client.js';
import { tempDir } from './temp-dir.js';
import { testConfig } from './test-config.js';

export interface Harness {
  listener: SmtpListener;
  port: number;
  spool: SpoolStore;
  /** The spool the listener was built on, before any test wrapper. */
  fileSpool: FileSpool;
  log: MemoryLog;
  messages: SpooledMessage[];
  dir: string;
  spoolDir: string;
  /** Every readable message in the spool, read back through the spool itself. */
  spooled(): Promise<SpooledMessage[]>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  config?: Record<string, unknown>;
  /** Wraps the spool, e.g. to hold writes back. */
  wrapSpool?: (spool: FileSpool) => SpoolStore;
  /** The file system the spool uses (fault injection); node:fs/promises by default. */
  fs?: SpoolFs;
  deps?: Partial<InboundDeps>;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const { dir, remove } = await tempDir('rw-inbound-');
  const spoolDir = join(dir, 'spool');
  const fileSpool = new FileSpool({ spoolDir, corruptDir: join(dir, 'corrupt'), fs: opts.fs });
  await fileSpool.init();
  const spool = opts.wrapSpool ? opts.wrapSpool(fileSpool) : fileSpool;
  const log = new MemoryLog();
  const messages: SpooledMessage[] = [];
  let icid = 0;
  const listener = new SmtpListener({
    config: parseConfig(testConfig(opts.config)),
    spool,
    log,
    nextIcid: () => ++icid,
    onMessage: (m) => void messages.push(m),
    ...opts.deps,
  });
  const { port } = await listener.start();
  return {
    listener,
    port,
    spool,
    fileSpool,
    log,
    messages,
    dir,
    spoolDir,
    async spooled() {
      const found: SpooledMessage[] = [];
      for await (const m of fileSpool.scan((file, reason) => found.push(corrupt(file, reason)))) found.push(m);
      return found;
    },
    async close() {
      await listener.stop();
      await remove();
    },
  };
}

/** A corrupt spool file is a test failure, never a silent skip. */
function corrupt(file: string, reason: string): never {
  throw new Error(`corrupt spool file ${file}: ${reason}`);
}

export async function connect(port: number, localAddress?: string): Promise<RawSmtpClient> {
  return RawSmtpClient.connect({ port, localAddress });
}

/**
 * One test file's harnesses and client connections, closed after each test
 * (clients first, so a listener's stop does not wait on them). Call it once
 * at the top of a test file.
 */
export function inboundTestKit(): {
  start(opts?: HarnessOptions): Promise<Harness>;
  client(port: number, localAddress?: string): Promise<RawSmtpClient>;
  track(c: RawSmtpClient): RawSmtpClient;
} {
  const clients: RawSmtpClient[] = [];
  const harnesses: Harness[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    for (const h of harnesses.splice(0)) await h.close();
  });
  const track = (c: RawSmtpClient): RawSmtpClient => {
    clients.push(c);
    return c;
  };
  return {
    async start(opts) {
      const h = await startHarness(opts);
      harnesses.push(h);
      return h;
    },
    client: async (port, localAddress) => track(await connect(port, localAddress)),
    track,
  };
}
