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
import { LiveConfig } from './control/apply-config.js';
import { createControl } from './control/commands.js';
import { RetryTracker } from './control/retry-tracker.js';
import type { ControlApi } from './control/contract.js';
import { EventHub } from './control/event-hub.js';
import { createDeliveryEngine } from './delivery/delivery-engine.js';
import type { RelayConfig } from './config/config-schema.js';
import { layout, lockDataDir, publishRuntimeInfo, type DataDirLayout } from './data-dir.js';
import { RelayError } from './errors/relay-error.js';
import { hostTransitionEvent } from './hosts/host-event.js';
import { HostProber } from './hosts/host-prober.js';
import { HostRegistry } from './hosts/host-registry.js';
import { createSmtpProbe } from './hosts/smtp-probe.js';
import { SmtpListener } from './inbound/smtp-listener.js';
import { logLines } from './log/log-lines.js';
import type { MailLog } from './log/log-types.js';
import { lineBatcher } from './log/line-batcher.js';
import { openMailLog } from './log/mail-log.js';
import { DeliveryStats } from './queue/delivery-stats.js';
import { MessageQueue } from './queue/message-queue.js';
import { reconcileQueue } from './queue/reconcile.js';
import { registerInternals } from './relay-internals.js';
import { persistLiveState } from './store/persist-live-state.js';
import { StateStore } from './store/state-store.js';
import { DestinationOrder } from './routing/destination-order.js';
import { configuredDestinations } from './routing/configured-destinations.js';
import { RouteResolver, checkRouteSecrets } from './routing/route-resolver.js';
import type { DnsLookup } from './routing/routing-types.js';
import { DeliveryScheduler } from './scheduler/delivery-scheduler.js';
import { MessageIntake } from './scheduler/message-intake.js';
import { RecipientBouncer } from './scheduler/bounce-recipients.js';
import { createNdrSender } from './scheduler/ndr-sender.js';
import { ensureToken } from './server/control-token.js';
import { startControlServer, type ControlServer } from './server/http-api.js';
import { FileSpool } from './spool/file-spool.js';
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
  /** The mail log (its file, and the shell's own lines). */
  readonly log: MailLog;
  /** Messages in the queue once the spool was reconciled at start. */
  readonly queuedAtStart: number;
  /** Writes the queue index now (tests, and before a planned stop). */
  flush(): Promise<void>;
  /** Stops accepting, finishes or requeues in-flight deliveries, flushes state. */
  stop(reason?: string, deadlineMs?: number): Promise<void>;
}

export async function startRelay(opts: RelayOptions): Promise<Relay> {
  const env = opts.env ?? process.env;
  checkRouteSecrets(opts.config.routes, env);
  const paths = layout(opts.dataDir);
  const unlock = await lockDataDir(paths);
  // What a start that fails half-way must close again, in reverse order.
  const undo: (() => Promise<void>)[] = [];
  try {
    return await build(opts, env, paths, unlock, undo);
  } catch (e) {
    for (const fn of [...undo.reverse(), unlock]) await fn().catch((err: Error) => process.stderr.write(`cleanup: ${err.message}\n`));
    throw e;
  }
}

async function build(opts: RelayOptions, env: NodeJS.ProcessEnv, paths: DataDirLayout, unlock: () => Promise<void>, undo: (() => Promise<void>)[]): Promise<Relay> {
  const file = opts.config;
  // Live views get every line the file gets, batched; the hub exists later.
  let onLogLines: (lines: string[]) => void = () => undefined;
  const log = await openMailLog({ dir: paths.root, maxBytes: file.log.maxBytes, keep: file.log.keep, onLine: lineBatcher((lines) => onLogLines(lines)) });
  undo.push(() => log.close());
  log.info(logLines.startup(VERSION, `${file.listen.host}:${file.listen.port}`));

  // --- state: reconcile spool and index, then persist the live state --------
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
  const toSchedule = await reconcileQueue({ spool, queue, index: state.data.queue, log, corruptDir: paths.corrupt });
  persistLiveState(state, { queue, hosts, stats, counters: () => ({ icid, dcid }) });
  queue.on('outcome', (_r, what) => {
    if (what === 'delivered' || what === 'bounced') stats.count(what);
  });
  queue.on('finished', (m) => {
    log.info(logLines.messageFinished(m.mid, 'done'));
    spool.remove(m.mid).catch((e: Error) => log.warn(logLines.spoolRemoveFailed(m.mid, e.message)));
  });

  // --- config ------------------------------------------------------
  const hub = new EventHub({
    queueTotals: () => ({ recipients: queue.pendingRecipients, messages: queue.pendingMessageCount }),
    onSubscriberError: (e) => log.warn(logLines.subscriberFailed(e.message)),
  });
  const saveOverrides = async (o: Record<string, unknown>): Promise<void> => {
    state.data.overrides = o;
    state.scheduleWrite();
    await state.flush();
  };
  const config = new LiveConfig(file, { env, log, hub, saved: state.data.overrides, save: saveOverrides });
  const initial = config.get();

  // --- delivery ----------------------------------------------------------------
  const d = initial.delivery;
  const resolver = new RouteResolver(initial.routes, { dns: opts.dns ?? dnsPromises, env });
  config.onChange((c) => resolver.setRoutes(c.routes));
  const registerConfigured = (c: RelayConfig): void => {
    for (const dest of configuredDestinations(c, env)) hosts.register(dest);
  };
  registerConfigured(initial);
  config.onChange(registerConfigured);
  const order = new DestinationOrder();
  const engine = createDeliveryEngine({
    hostname: initial.hostname,
    log,
    nextDcid: () => ++dcid,
    feedback: hosts,
    maxConnectionsPerHost: d.maxConnectionsPerHost,
    connectTimeoutMs: d.connectTimeoutSeconds * 1000,
    commandTimeoutMs: d.commandTimeoutSeconds * 1000,
    dataTimeoutMs: d.dataTimeoutSeconds * 1000,
    idleMs: d.idleConnectionSeconds * 1000,
  });
  const profile = (name: string) => config.get().bounceProfiles[name] ?? config.get().bounceProfiles.default;
  const intake = new MessageIntake(queue, (n) => hub.countQueue('enqueued', n));
  const willRetryUntil = (m: { receivedAt: number }) => m.receivedAt + profile('default').maxQueueSeconds * 1000;
  const ndr = createNdrSender({ hostname: initial.hostname, spool, log, accept: intake.accept, willRetryUntil });
  const bouncer = new RecipientBouncer(queue, ndr);
  // Probe failures are heard by the registry too: a retry waits for them.
  const probe = hosts.watchProbes(createSmtpProbe({ hostname: initial.hostname, timeoutMs: d.connectTimeoutSeconds * 1000 }));
  const prober = new HostProber(hosts, probe, { initialMs: d.probeInitialSeconds * 1000, maxMs: d.probeMaxSeconds * 1000, mxMaxMs: d.mxProbeMaxSeconds * 1000 });
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
    connectionsPerHost: d.maxConnectionsPerHost,
  });
  intake.bind(scheduler);

  // --- live events (after the scheduler: it hears queue and host events first) --
  queue.on('outcome', (_r, what) => {
    if (what === 'delivered' || what === 'bounced') hub.countQueue(what);
    else if (what === 'deferred' || what === 'requeued') hub.countQueue('deferred');
  });
  const retries = new RetryTracker(queue, hub);
  hosts.on('down', (h, err) => hub.publish('host', hostTransitionEvent(h, err.toLine(), queue.pendingForHost(h.key).size)));
  hosts.on('up', (h, how) => hub.publish('host', hostTransitionEvent(h, how, queue.pendingForHost(h.key).size)));
  onLogLines = (lines) => hub.publish('log', { lines });

  // --- inbound -----------------------------------------------------------------
  let accepting = true;
  const listener = new SmtpListener({ config: initial, spool, log, nextIcid: () => ++icid, onMessage: intake.accept, acceptingMessages: () => accepting });
  config.onChange((c) => listener.setRelayNetworks(c.relayNetworks));
  const smtp = await listener.start();
  undo.push(() => listener.stop());
  const startedAt = Date.now();

  // --- control -----------------------------------------------------------------
  const control = createControl({ version: VERSION, startedAt, listener: smtp, queue, hosts, scheduler, prober, stats, spool, log, logDir: paths.root, bouncer, retries, hub, config });
  let server: ControlServer | undefined;
  let controlUrl: string | undefined;
  if (opts.controlServer !== false) {
    const token = await ensureToken(paths.token);
    const s = await startControlServer({ api: control, hub, host: initial.control.host, port: initial.control.port, token, staticDir: opts.staticDir, log });
    server = s;
    undo.push(() => s.close());
    controlUrl = `${s.url}#token=${token}`;
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
  const relay: Relay = {
    get config() {
      return config.get();
    },
    control,
    hub,
    controlUrl,
    controlAddress: server ? { host: server.host, port: server.port } : undefined,
    paths,
    smtp,
    startedAt,
    log,
    queuedAtStart: queue.pendingMessageCount,
    flush: () => state.flush(),
    stop(reason = 'stop requested', deadlineMs = 10_000) {
      stopping ??= (async () => {
        log.info(logLines.shutdown(reason));
        accepting = false;
        await listener.stop();
        await server?.close();
        prober.stop();
        await scheduler.stop(deadlineMs);
        hub.close();
        await state.close();
        await runtime.stop();
        await rm(paths.runtime, { force: true });
        await log.close();
        await unlock();
      })();
      return stopping;
    },
  };
  registerInternals(relay, { queue, hosts, scheduler, prober, stats, spool, engine });
  return relay;
}

export { RelayError };
// The desktop shell may import core only through this file and core/control/.
export { defaultDataDir } from './data-dir.js';
export { applyHeapPolicy } from './runtime/heap-policy.js';
export { loadConfig } from './config/load-config.js';
