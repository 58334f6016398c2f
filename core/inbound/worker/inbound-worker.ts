/**
 * inbound-worker: the worker-thread entry of the SMTP intake (the relay's
 * second core): the listener group, AUTH with its accounts and lock-out, and
 * spool writes with their fsync run here; MIDs, ICIDs, the queue, the log and
 * the event hub stay on the main thread, reached through inbound-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AccountStore } from '../../accounts/account-store.js';
import { AuthLockout } from '../../accounts/auth-lockout.js';
import type { RelayConfig } from '../../config/config-schema.js';
import { listenersOf } from '../../config/config-schema.js';
import type { LogLevel, MailLog } from '../../log/log-types.js';
import { FileSpool } from '../../spool/file-spool.js';
import { checkEnvelope, encodeEnvelopeLine } from '../../spool/envelope-line.js';
import type { SpooledMessage, SpoolStore } from '../../spool/spool-types.js';
import { ListenerGroup } from '../listener-group.js';
import { fromFailure, parseToWorker, toFailure, WORKER_DATA, type Failure, type FromWorker, type ToWorker } from './inbound-protocol.js';
import { IcidLease } from './icid-lease.js';
import { MidPool } from './mid-pool.js';

if (!parentPort) throw new Error('inbound-worker.ts runs only as a worker thread');
const port = parentPort;
const data = WORKER_DATA.parse(workerData);
// Validated by the main thread's config schema before it started this worker.
const config = data.config as RelayConfig;
const send = (m: FromWorker): void => port.postMessage(m);

// --- log: lines batched per turn of the event loop (a message makes about six) ---
let pending: [LogLevel, string][] = [];
const flushLog = (): void => {
  if (pending.length === 0) return;
  send({ kind: 'log', lines: pending });
  pending = [];
};
const log: MailLog = {
  write(level, text) {
    if (pending.length === 0) setImmediate(flushLog);
    pending.push([level, text]);
  },
  info(text) {
    this.write('Info', text);
  },
  warn(text) {
    this.write('Warning', text);
  },
  async flush() {
    flushLog();
  },
  async close() {
    flushLog();
  },
  file: '(main thread)',
};

// --- requests answered by the main thread, by sequence number ---
let seq = 0;
const waiting = new Map<number, { resolve(v: number[] | undefined): void; reject(e: Error): void }>();
function ask(m: (seq: number) => FromWorker): Promise<number[] | undefined> {
  const s = ++seq;
  return new Promise((resolve, reject) => {
    waiting.set(s, { resolve, reject });
    send(m(s));
  });
}
function answer(s: number, value: number[] | undefined, error?: Failure): void {
  const w = waiting.get(s);
  if (!w) return;
  waiting.delete(s);
  if (error) w.reject(fromFailure(error));
  else w.resolve(value);
}

// --- the spool: files written (and fsynced) here, MIDs from the main thread's allocator ---
// No recent-content cache: delivery reads on the other thread.
const mids = new MidPool(async (count) => (await ask((s) => ({ kind: 'need-mids', seq: s, count }))) ?? []);
const files = new FileSpool({ spoolDir: data.spoolDir, corruptDir: data.corruptDir, recentContentBytes: 0 });
const spool: SpoolStore = {
  init: () => Promise.resolve(),
  allocateMid: () => mids.allocate(),
  write: (e, c) => files.write(e, c),
  remove: (mid) => files.remove(mid),
  openContent: (mid, size) => files.openContent(mid, size),
  readContent: (mid) => files.readContent(mid),
  readHeaders: (mid) => files.readHeaders(mid),
  scan: (onCorrupt) => files.scan(onCorrupt),
  quarantine: (mid, reason) => files.quarantine(mid, reason),
  diskUsage: () => files.diskUsage(),
};

/** The 250 waits for this: the main thread has the message in its queue. */
async function handOver(msg: SpooledMessage): Promise<void> {
  const checked = checkEnvelope(msg.envelope);
  const fileBytes = checked.ok ? encodeEnvelopeLine(checked.envelope).length + msg.size : msg.size;
  await ask((s) => ({ kind: 'message', seq: s, envelope: msg.envelope as Extract<FromWorker, { kind: 'message' }>['envelope'], size: msg.size, fileBytes }));
}

const icids = new IcidLease(() => send({ kind: 'need-icids' }));
let accepting = true;
const auth = listenersOf(config).some((l) => l.auth !== 'none')
  ? { accounts: new AccountStore(data.dataDir), lockout: new AuthLockout(), log, onLockout: (event: Extract<FromWorker, { kind: 'lockout' }>['event']) => send({ kind: 'lockout', event }) }
  : undefined;
const group = new ListenerGroup({
  config,
  spool,
  log,
  nextIcid: () => icids.next(),
  onMessage: handOver,
  acceptingMessages: () => accepting,
  ...(data.certificate ? { certificate: data.certificate } : {}),
  ...(auth ? { auth } : {}),
});

// Connection counts for metrics and status: sampled, sent when they change.
let lastOpen = -1;
const sampler = setInterval(() => {
  const open = group.openConnections;
  if (open !== lastOpen) send({ kind: 'connections', open: (lastOpen = open) });
}, 250);
sampler.unref();

/** Always ends with 'stopped' (a listener that fails to close is no reason to keep the thread). */
async function stop(): Promise<void> {
  accepting = false;
  try {
    await group.stop();
  } finally {
    clearInterval(sampler);
    send({ kind: 'connections', open: 0 });
    flushLog();
    send({ kind: 'stopped' });
  }
}

port.on('message', (raw: unknown) => {
  const m: ToWorker = parseToWorker(raw);
  switch (m.kind) {
    case 'mids':
      answer(m.seq, m.mids, m.error);
      break;
    case 'taken':
      answer(m.seq, undefined, m.error);
      break;
    case 'icids':
      icids.add(m.first, m.count);
      break;
    case 'relay-networks':
      group.setRelayNetworks(m.relayNetworks);
      break;
    case 'certificate':
      group.setCertificate(m.pem);
      break;
    case 'stop':
      stop().catch((e: unknown) => log.write('Critical', `SMTP listeners did not stop cleanly: ${(e as Error).message}`));
      break;
  }
});

group.start().then(
  (bound) => {
    flushLog();
    send({ kind: 'ready', bound: bound.map((b) => ({ host: b.boundHost, port: b.boundPort })) });
  },
  (e: unknown) => {
    flushLog();
    send({ kind: 'start-failed', error: toFailure(e) });
  },
);
