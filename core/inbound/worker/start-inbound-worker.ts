/**
 * start-inbound-worker: the main thread's side of the SMTP intake thread
 * (inbound-worker.ts): starts it, answers its MID/ICID requests, takes its
 * fsynced messages into the queue before it may answer 250, forwards its log
 * lines, lock-outs and connection counts, pushes config and certificate
 * changes to it, restarts it when it dies, and stops the relay loudly if it cannot.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ControlEvents } from '../../control/contract.js';
import { listenersOf, type RelayConfig } from '../../config/config-schema.js';
import { RelayError } from '../../errors/relay-error.js';
import { logLines } from '../../log/log-lines.js';
import type { MailLog } from '../../log/log-types.js';
import type { SpooledMessage } from '../../spool/spool-types.js';
import { ListenerCertificate, type CertificatePem } from '../../tls/listener-certificate.js';
import { STOP_GRACE_MS } from '../listener-options.js';
import type { BoundListener } from '../listener-group.js';
import type { Inbound } from '../start-inbound.js';
import { fromFailure, parseFromWorker, toFailure, type FromWorker, type ToWorker, type WorkerData } from './inbound-protocol.js';

/** ICIDs leased to the worker at a time (icid-lease.ts asks again at 500 left). */
const ICID_BLOCK = 1000;
/** More deaths than this within RESTART_WINDOW_MS: something is wrong for good; stop the relay. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;

export interface WorkerInboundDeps {
  config: RelayConfig;
  log: MailLog;
  spool: { allocateMid(): Promise<number>; adopt(mid: number, fileBytes: number): void };
  spoolDirs: { spool: string; corrupt: string };
  nextIcid(): number;
  onMessage(msg: SpooledMessage): void;
  onLockout?(e: ControlEvents['auth-lockout']): void;
  /** The worker died and could not be brought back: the relay must stop (loudly). */
  onFatal(reason: string): void;
}

/**
 * The built .js runs as is. The .ts sources (tests, `bench --tsx`) need tsx
 * inside the worker too, and on Node 20 a worker does not inherit the
 * parent's `--import tsx` hooks (nor take them in execArgv): a two-line
 * bootstrap registers them, then imports the entry.
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  const js = new URL('./inbound-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return { entry: js, eval: false };
  const ts = new URL('./inbound-worker.ts', import.meta.url).href;
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  return { entry: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(ts)}); });`, eval: true };
}

export async function startInboundWorker(deps: WorkerInboundDeps, dataDir: string): Promise<Inbound> {
  const { config, log } = deps;
  const listeners = listenersOf(config);
  const certificate = listeners.some((l) => l.tls !== 'none') ? await ListenerCertificate.open({ files: config.tls, dataDir, hostname: config.hostname, log }) : undefined;
  let pem: CertificatePem | undefined = certificate?.current;
  let relayNetworks: readonly string[] = config.relayNetworks;
  let openConnections = 0;
  let bound: BoundListener[] = [];
  let stopping = false;
  const deaths: number[] = [];
  let current: Worker | undefined;

  function post(w: Worker, m: ToWorker): void {
    w.postMessage(m);
  }

  function handle(w: Worker, m: FromWorker): void {
    switch (m.kind) {
      case 'need-mids':
        allocateMids(m.count).then(
          (mids) => post(w, { kind: 'mids', seq: m.seq, mids }),
          (e: unknown) => post(w, { kind: 'mids', seq: m.seq, error: toFailure(e) }),
        );
        break;
      case 'need-icids':
        leaseIcids(w);
        break;
      case 'message': {
        const { envelope, size, fileBytes } = m;
        deps.spool.adopt(envelope.mid, fileBytes);
        try {
          deps.onMessage({ envelope, size });
          post(w, { kind: 'taken', seq: m.seq });
        } catch (e) {
          post(w, { kind: 'taken', seq: m.seq, error: toFailure(e) });
        }
        break;
      }
      case 'log':
        for (const [level, text] of m.lines) log.write(level, text);
        break;
      case 'lockout':
        deps.onLockout?.(m.event);
        break;
      case 'connections':
        openConnections = m.open;
        break;
      default:
        // ready, start-failed, stopped: awaited where the worker is started and stopped.
        break;
    }
  }

  async function allocateMids(count: number): Promise<number[]> {
    const mids: number[] = [];
    for (let i = 0; i < count; i++) mids.push(await deps.spool.allocateMid());
    return mids;
  }

  function leaseIcids(w: Worker): void {
    const first = deps.nextIcid();
    for (let i = 1; i < ICID_BLOCK; i++) deps.nextIcid();
    post(w, { kind: 'icids', first, count: ICID_BLOCK });
  }

  /** Starts one worker; resolves once its listeners are bound. */
  async function spawn(): Promise<Worker> {
    const { entry, eval: isEval } = workerEntry();
    // A restart binds the ports bound the first time (port 0 would move the relay).
    const listen = bound.length ? bound.map(({ boundHost: _h, boundPort, ...l }) => ({ ...l, port: boundPort })) : config.listen;
    const data: WorkerData = { config: { ...config, listen }, dataDir, spoolDir: deps.spoolDirs.spool, corruptDir: deps.spoolDirs.corrupt, ...(pem ? { certificate: pem } : {}) };
    const w = new Worker(entry, { workerData: data, eval: isEval });
    let failure: string | undefined;
    const started = new Promise<{ host: string; port: number }[]>((resolve, reject) => {
      w.on('message', (raw: unknown) => {
        let m: FromWorker;
        try {
          m = parseFromWorker(raw);
        } catch (e) {
          failure = (e as Error).message;
          w.terminate().catch(() => undefined);
          return;
        }
        if (m.kind === 'ready') resolve(m.bound);
        else if (m.kind === 'start-failed') reject(fromFailure(m.error));
        else handle(w, m);
      });
      w.on('error', (e) => {
        failure = e.message;
        reject(new RelayError({ code: 'ECONFIG', message: `SMTP intake thread failed to start: ${e.message}`, temporary: false, cause: e }));
      });
      w.once('exit', (code) => reject(new RelayError({ code: 'ECONFIG', message: `SMTP intake thread exited (code ${code}) before listening`, temporary: false })));
    });
    leaseIcids(w);
    let addrs: { host: string; port: number }[];
    try {
      addrs = await started;
    } catch (e) {
      await w.terminate();
      throw e;
    }
    bound = listeners.map((l, i) => ({ ...l, boundHost: addrs[i]?.host ?? l.host, boundPort: addrs[i]?.port ?? l.port }));
    post(w, { kind: 'relay-networks', relayNetworks: [...relayNetworks] });
    if (pem && pem !== data.certificate) post(w, { kind: 'certificate', pem });
    w.once('exit', (code) => {
      if (w !== current || stopping) return;
      current = undefined;
      openConnections = 0;
      died(failure ?? `exit code ${code}`).catch((e: unknown) => deps.onFatal(`SMTP intake thread: ${(e as Error).message}`));
    });
    return w;
  }

  /**
   * A message the dead worker had fsynced but not handed over was never
   * answered 250: its client retries; the file itself is queued by the next
   * start's reconciliation (a possible duplicate, never a loss).
   */
  async function died(reason: string): Promise<void> {
    const now = Date.now();
    deaths.push(now);
    while (deaths.length && deaths[0]! < now - RESTART_WINDOW_MS) deaths.shift();
    if (deaths.length > MAX_RESTARTS) {
      log.write('Critical', logLines.inboundWorkerDied(reason, `${deaths.length} times in a minute: the relay stops`));
      deps.onFatal(`SMTP intake thread died ${deaths.length} times in a minute: ${reason}`);
      return;
    }
    log.write('Critical', logLines.inboundWorkerDied(reason, 'restarting the SMTP listeners'));
    try {
      current = await spawn();
    } catch (e) {
      log.write('Critical', logLines.inboundWorkerDied((e as Error).message, 'the relay stops'));
      deps.onFatal(`SMTP intake thread could not be restarted: ${(e as Error).message}`);
    }
  }

  try {
    current = await spawn();
  } catch (e) {
    certificate?.close();
    throw e;
  }
  certificate?.onChange((p) => {
    pem = p;
    if (current) post(current, { kind: 'certificate', pem: p });
  });

  const first = bound[0]!;
  return {
    group: {
      get addresses() {
        return bound;
      },
      get openConnections() {
        return openConnections;
      },
      setRelayNetworks(n: readonly string[]) {
        relayNetworks = n;
        if (current) post(current, { kind: 'relay-networks', relayNetworks: [...n] });
      },
    },
    certificate,
    first: { host: first.boundHost, port: first.boundPort },
    thread: () => current,
    async stop() {
      stopping = true;
      certificate?.close();
      const w = current;
      current = undefined;
      if (!w) return;
      const exited = once(w, 'exit');
      // Sessions get the listeners' own grace; then the thread ends regardless.
      const stopped = new Promise<void>((resolve) => {
        w.on('message', (raw: unknown) => {
          if ((raw as { kind?: unknown }).kind === 'stopped') resolve();
        });
      });
      post(w, { kind: 'stop' });
      const timer = setTimeout(() => {
        w.terminate().catch(() => undefined);
      }, STOP_GRACE_MS + 5_000);
      await Promise.race([stopped, exited]);
      clearTimeout(timer);
      await w.terminate();
      await exited;
    },
  };
}
