/**
 * relay: the composition root. Builds every core module from the config and
 * the data dir, starts them in order, and stops them in reverse.
 *
 * Owns: startup reconciliation (DESIGN.md "Durability": a spool file with no
 * index entry is queued afresh; an index entry with no spool file is dropped
 * and logged; a message whose recipients are all final is removed), queue
 * index persistence (each batched flush streams the live queue into lowdb's
 * state file; no copy of it is kept), and
 * the Relay handle that the CLI, the control API and the desktop shell use.
 * Does not own: any decision about mail; those live in the modules.
 * Raises: RelayError ECONFIG (bad config or missing secret), EARGS (data dir
 * locked or unusable), and listener errors (port in use) from start.
 */
import { promises as dnsPromises } from 'node:dns';
import { rm } from 'node:fs/promises';
import { createControl } from './control/commands.js';
import { RetryTracker } from './control/retry-tracker.js';
import type { ControlApi } from './control/contract.js';
import { EventHub } from './control/event-hub.js';
import { createDeliveryEngine } from './delivery/delivery-engine.js';
import type { DeliveryEngine } from './delivery/delivery-types.js';
import type { RelayConfig } from './config/config-schema.js';
import { parseConfig } from './config/load-config.js';
import { layout, lockDataDir, publishRuntimeInfo, type DataDirLayout } from './data-dir.js';
import { RelayError } from './errors/relay-error.js';
import { HostProber } from './hosts/host-prober.js';
import { HostRegistry, type HostState } from './hosts/host-registry.js';
import { testSmtpConnection } from './hosts/connection-test.js';
import { createSmtpProbe } from './hosts/smtp-probe.js';
import { SmtpListener } from './inbound/smtp-listener.js';
import { logLines } from './log/log-lines.js';
import type { MailLog } from './log/log-types.js';
import { lineBatcher } from './log/line-batcher.js';
import { openMailLog, readLogTail } from './log/mail-log.js';
import { DeliveryStats } from './queue/delivery-stats.js';
import { MessageQueue } from './queue/message-queue.js';
import { reconcileQueue } from './queue/reconcile.js';
import { persistLiveState } from './store/persist-live-state.js';
import { StateStore } from './store/state-store.js';
import { DestinationOrder } from './routing/destination-order.js';
import { configuredDestinations } from './routing/configured-destinations.js';
import { RouteResolver, checkRouteSecrets } from './routing/route-resolver.js';
import type { DnsLookup } from './routing/routing-types.js';
import { DeliveryScheduler } from './scheduler/delivery-scheduler.js';
import { RecipientBouncer } from './scheduler/bounce-recipients.js';
import { createNdrSender } from './scheduler/ndr-sender.js';
import { ensureToken } from './server/control-token.js';
import { startControlServer } from './server/http-api.js';
import { FileSpool } from './spool/file-spool.js';
import type { SpooledMessage } from './spool/spool-types.js';
import { VERSION } from './version.js';

export interface RelayOptions {
  config: RelayConfig;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  dns?: DnsLookup;
  /** How often the queue index is flushed at most (ms). */
  flushIntervalMs?: number;
  /** Maximum delivery jobs in flight across all hosts. */
  maxInFlight?: number;
  /** Folder of the built dashboard, served by the control server. */
  staticDir?: string;
  /** false: no control server (embedders that only use relay.control). */
  controlServer?: boolean;
}

export interface Relay {
  /** The current config (routes and profiles may change at run time). */
  readonly config: RelayConfig;
  readonly control: ControlApi;
  readonly hub: EventHub;
  /** Dashboard URL with the token in the fragment (never sent to the server). */
  readonly controlUrl: string | undefined;
  readonly controlAddress: { host: string; port: number } | undefined;
  readonly paths: DataDirLayout;
  readonly smtp: { host: string; port: number };
  readonly startedAt: number;
  readonly queue: MessageQueue;
  readonly hosts: HostRegistry;
  readonly scheduler: DeliveryScheduler;
  readonly prober: HostProber;
  readonly stats: DeliveryStats;
  readonly spool: FileSpool;
  readonly log: MailLog;
  readonly engine: DeliveryEngine;
  /** Writes the queue index now (tests, and before a planned stop). */
  flush(): Promise<void>;
  /** Stops accepting, finishes or requeues in-flight deliveries, flushes state. */
  stop(reason?: string, deadlineMs?: number): Promise<void>;
}

export async function startRelay(opts: RelayOptions): Promise<Relay> {
  const { config } = opts;
  const env = opts.env ?? process.env;
  checkRouteSecrets(config.routes, env);
  const paths = layout(opts.dataDir);
  const unlock = await lockDataDir(paths);
  const cleanup: (() => Promise<void>)[] = [unlock];
  try {
    return await build(opts, config, env, paths, cleanup);
  } catch (e) {
    for (const fn of cleanup.reverse()) await fn().catch((err: Error) => process.stderr.write(`cleanup: ${err.message}\n`));
    throw e;
  }
}

async function build(
  opts: RelayOptions,
  config: RelayConfig,
  env: NodeJS.ProcessEnv,
  paths: DataDirLayout,
  cleanup: (() => Promise<void>)[],
): Promise<Relay> {
  // Live views get every line the file gets, batched; the hub exists later.
  let onLogLines: (lines: string[]) => void = () => undefined;
  const log = await openMailLog({
    dir: paths.root,
    maxBytes: config.log.maxBytes,
    keep: config.log.keep,
    onLine: lineBatcher((lines) => onLogLines(lines)),
  });
  cleanup.push(() => log.close());
  log.info(logLines.startup(VERSION, `${config.listen.host}:${config.listen.port}`));

  const state = new StateStore(paths.state, {
    flushIntervalMs: opts.flushIntervalMs ?? 1000,
    corruptDir: paths.corrupt,
    onError: (e) => log.warn(logLines.stateWriteFailed(e.message)),
  });
  const spool = new FileSpool({ spoolDir: paths.spool, corruptDir: paths.corrupt });
  await spool.init();
  const recovered = await state.open();
  if (recovered.recovered) log.warn(logLines.stateRebuilt(recovered.recovered));

  const queue = new MessageQueue();
  const hosts = new HostRegistry(log);
  hosts.restore(state.data.hosts);
  const stats = new DeliveryStats();
  stats.restore(state.data.stats);
  // IDs only name log lines; skip ahead so a crash before the last flush
  // does not reuse numbers already in the log.
  let icid = state.data.counters.icid + 1000;
  let dcid = state.data.counters.dcid + 1000;

  // --- reconcile spool and index, then persist the live state ----------------
  const toSchedule = await reconcileQueue({ spool, queue, index: state.data.queue, log, corruptDir: paths.corrupt });
  persistLiveState(state, { queue, hosts, stats, counters: () => ({ icid, dcid }) });
  queue.on('outcome', (_r, what) => {
    if (what === 'delivered' || what === 'bounced') stats.count(what);
  });
  queue.on('finished', (m) => {
    log.info(logLines.messageFinished(m.mid, 'done'));
    spool.remove(m.mid).catch((e: Error) => log.warn(logLines.spoolRemoveFailed(m.mid, e.message)));
  });

  // --- delivery ----------------------------------------------------------------
  let current = config;
  const overrides = state.data.overrides;
  if (overrides && Object.keys(overrides).length) {
    try {
      current = parseConfig({ ...config, ...overrides }, 'saved settings');
      checkRouteSecrets(current.routes, env);
    } catch (e) {
      log.warn(logLines.savedSettingsIgnored((e as Error).message));
      current = config;
    }
  }
  const dns = opts.dns ?? dnsPromises;
  const resolver = new RouteResolver(current.routes, { dns, env });
  const order = new DestinationOrder();
  const engine = createDeliveryEngine({
    hostname: current.hostname,
    log,
    nextDcid: () => ++dcid,
    feedback: hosts,
    maxConnectionsPerHost: current.delivery.maxConnectionsPerHost,
    connectTimeoutMs: current.delivery.connectTimeoutSeconds * 1000,
    commandTimeoutMs: current.delivery.commandTimeoutSeconds * 1000,
    dataTimeoutMs: current.delivery.dataTimeoutSeconds * 1000,
    idleMs: current.delivery.idleConnectionSeconds * 1000,
  });
  const profile = (name: string) => current.bounceProfiles[name] ?? current.bounceProfiles.default;
  const registerConfigured = (): void => {
    for (const d of configuredDestinations(current, env)) hosts.register(d);
  };
  registerConfigured();
  // Set once below; accept() can run before (NDRs of reconciliation) only in theory.
  const schedulerRef: { current?: DeliveryScheduler } = {};
  const hub = new EventHub({
    queueTotals: () => ({ recipients: queue.pendingRecipients, messages: queue.pendingMessageCount }),
    onSubscriberError: (e) => log.warn(logLines.subscriberFailed(e.message)),
  });
  const accept = (msg: SpooledMessage): void => {
    const m = queue.add(msg);
    hub.countQueue('enqueued', m.recipients.length);
    schedulerRef.current?.enqueue(m);
  };
  const ndr = createNdrSender({
    hostname: current.hostname,
    spool,
    log,
    accept,
    willRetryUntil: (m) => m.receivedAt + profile('default').maxQueueSeconds * 1000,
  });
  const bouncer = new RecipientBouncer(queue, ndr);
  const scheduler = new DeliveryScheduler({
    queue,
    spool,
    hosts,
    engine,
    resolveRoute: (domain) => resolver.resolve(domain),
    orderDestinations: (routeKey, dests) => order.order(routeKey, dests),
    profile,
    ndr,
    bouncer,
    log,
    probeNow: (key) => prober.probeNow(key),
    maxInFlight: opts.maxInFlight ?? 200,
    connectionsPerHost: current.delivery.maxConnectionsPerHost,
  });
  schedulerRef.current = scheduler;
  // Probe failures are heard by the registry too: a retry waits for them.
  const probe = hosts.watchProbes(createSmtpProbe({ hostname: current.hostname, timeoutMs: current.delivery.connectTimeoutSeconds * 1000 }));
  const prober = new HostProber(hosts, probe, {
    initialMs: current.delivery.probeInitialSeconds * 1000,
    maxMs: current.delivery.probeMaxSeconds * 1000,
    mxMaxMs: current.delivery.mxProbeMaxSeconds * 1000,
  });

  // --- events --------------------------------------------------------------------
  queue.on('outcome', (_r, what) => {
    if (what === 'delivered' || what === 'bounced') hub.countQueue(what);
    else if (what === 'deferred' || what === 'requeued') hub.countQueue('deferred');
  });
  const retries = new RetryTracker(queue, hub);
  const hostEvent = (h: HostState, previous: HostState['status'], reason: string | null): void => {
    const last = h.history.at(-2);
    hub.publish('host', {
      host: h.key,
      name: h.destination?.name ?? null,
      status: h.status,
      previous,
      reason,
      downSeconds: h.status === 'up' && last?.status === 'down' ? Math.round((h.since - last.at) / 1000) : null,
      queued: queue.pendingForHost(h.key).size,
    });
  };
  hosts.on('down', (h, err) => hostEvent(h, h.history.at(-2)?.status ?? 'unknown', err.toLine()));
  hosts.on('up', (h, how) => hostEvent(h, h.history.at(-2)?.status ?? 'unknown', how));
  onLogLines = (lines) => hub.publish('log', { lines });

  // --- inbound -----------------------------------------------------------------
  let accepting = true;
  const listener = new SmtpListener({
    config: current,
    spool,
    log,
    nextIcid: () => ++icid,
    onMessage: accept,
    acceptingMessages: () => accepting,
  });
  const smtp = await listener.start();
  cleanup.push(() => listener.stop());
  const startedAt = Date.now();

  // --- control -----------------------------------------------------------------
  const control = createControl({
    version: VERSION,
    startedAt,
    listener: smtp,
    queue,
    hosts,
    scheduler,
    prober,
    stats,
    spool,
    log,
    bouncer,
    retries,
    hub,
    config: () => current,
    async applyConfig(next, by) {
      checkRouteSecrets(next.routes, env);
      current = next;
      resolver.setRoutes(next.routes);
      listener.setRelayNetworks(next.relayNetworks);
      registerConfigured();
      state.data.overrides = {
        routes: next.routes,
        bounceProfiles: next.bounceProfiles,
        relayNetworks: next.relayNetworks,
        listen: next.listen,
      };
      state.scheduleWrite();
      await state.flush();
      log.info(logLines.configChanged(by));
    },
    logTail: (q) => readLogTail(paths.root, q),
    testConnection: (q) => testSmtpConnection(q, { hostname: current.hostname, timeoutMs: Math.min(current.delivery.connectTimeoutSeconds, 15) * 1000 }),
  });
  let server: Awaited<ReturnType<typeof startControlServer>> | undefined;
  let controlUrl: string | undefined;
  if (opts.controlServer !== false) {
    const token = await ensureToken(paths.token);
    server = await startControlServer({
      api: control,
      hub,
      host: current.control.host,
      port: current.control.port,
      token,
      staticDir: opts.staticDir,
      log,
    });
    cleanup.push(() => server!.close());
    controlUrl = `${server.url}#token=${token}`;
  }

  for (const m of toSchedule) scheduler.enqueue(m);
  scheduler.start();
  prober.start();
  // A full disk must not stop the start (delivering is what frees space):
  // relay.json is retried until it can be written.
  const runtime = await publishRuntimeInfo(
    paths,
    { pid: process.pid, version: VERSION, startedAt, smtp, control: server ? { host: server.host, port: server.port } : undefined },
    (e) => (e ? log.warn(logLines.runtimeInfoFailed(paths.runtime, e.message)) : log.info(logLines.runtimeInfoWritten(paths.runtime))),
  );

  let stopping: Promise<void> | undefined;
  const sched = scheduler;
  return {
    get config() {
      return current;
    },
    control,
    hub,
    controlUrl,
    controlAddress: server ? { host: server.host, port: server.port } : undefined,
    paths,
    smtp,
    startedAt,
    queue,
    hosts,
    scheduler: sched,
    prober,
    stats,
    spool,
    log,
    engine,
    flush: () => state.flush(),
    stop(reason = 'stop requested', deadlineMs = 10_000) {
      stopping ??= (async () => {
        log.info(logLines.shutdown(reason));
        accepting = false;
        await listener.stop();
        await server?.close();
        prober.stop();
        await sched.stop(deadlineMs);
        hub.close();
        await state.close();
        await runtime.stop();
        await rm(paths.runtime, { force: true });
        await log.close();
        await cleanup[0]!();
      })();
      return stopping;
    },
  };
}


export { RelayError };
// The desktop shell may import core only through this file and core/control/.
export { defaultDataDir } from './data-dir.js';
export { applyHeapPolicy } from './runtime/heap-policy.js';
export { loadConfig } from './config/load-config.js';
