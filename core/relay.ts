/**
 * relay: the composition root. Builds every core module from the config and
 * the data dir in dependency order, starts them, and stops them in reverse.
 * It wires and decides nothing: start-up reconciliation and persistence are
 * store/restore-relay-state.ts, config changes control/apply-config.ts, the
 * handle's type relay-types.ts (modules for tests: relay-internals.ts).
 * Raises: RelayError ECONFIG (bad config or missing secret), EARGS (data dir
 * locked or unusable), and listener errors (port in use) from start.
 */
import { promises as dnsPromises } from 'node:dns';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AccountStore } from './accounts/account-store.js';
import { startAlerts } from './alerts/start-alerts.js';
import { LiveConfig } from './control/apply-config.js';
import { createControl } from './control/commands.js';
import { RetryTracker } from './control/retry-tracker.js';
import { EventHub } from './control/event-hub.js';
import type { ControlEvents } from './control/contract.js';
import { publishLiveEvents } from './control/live-events.js';
import { createDeliveryEngine } from './delivery/delivery-engine.js';
import { listenersOf, type RelayConfig } from './config/config-schema.js';
import { layout, lockDataDir, publishRuntimeInfo, type DataDirLayout } from './data-dir.js';
import { RelayError } from './errors/relay-error.js';
import { HostProber } from './hosts/host-prober.js';
import { createGraphProbe } from './hosts/graph-probe.js';
import { createSmtpProbe } from './hosts/smtp-probe.js';
import { inboundStatus, startInbound } from './inbound/start-inbound.js';
import { startInboundWorker } from './inbound/worker/start-inbound-worker.js';
import { logLines } from './log/log-lines.js';
import { metricsRoute } from './metrics/metrics-route.js';
import { RelayMetrics } from './metrics/relay-metrics.js';
import { lineBatcher } from './log/line-batcher.js';
import { openMailLog } from './log/mail-log.js';
import { registerInternals } from './relay-internals.js';
import { STOP_DEADLINE_MS, type Relay, type RelayOptions } from './relay-types.js';
import { restoreRelayState } from './store/restore-relay-state.js';
import { SECRET_FILE, openSecretFile, type OpenedSecrets } from './secrets/secret-store.js';
import { DestinationOrder } from './routing/destination-order.js';
import { warnExpiringCertificates, watchExpiringCertificates } from './oauth/certificate-expiry.js';
import type { Destination } from './routing/routing-types.js';
import { configuredDestinations } from './routing/configured-destinations.js';
import { RouteResolver, checkRouteSecrets } from './routing/route-resolver.js';
import { DeliveryScheduler } from './scheduler/delivery-scheduler.js';
import { MessageIntake } from './scheduler/message-intake.js';
import { startPickup } from './pickup/start-pickup.js';
import { RecipientBouncer } from './scheduler/bounce-recipients.js';
import { createNdrSender } from './scheduler/ndr-sender.js';
import { ensureToken } from './server/control-token.js';
import { openControlTls, type ControlTls } from './server/control-tls.js';
import { startControlServer, type ControlServer } from './server/http-api.js';
import { TokenStore } from './server/token-store.js';
import { VERSION } from './version.js';

export type { Relay, RelayOptions } from './relay-types.js';
export type { SecretCipher } from './secrets/secret-store.js';

export async function startRelay(opts: RelayOptions): Promise<Relay> {
  const paths = layout(opts.dataDir);
  const kept = opts.keychain ? await openSecretFile(join(paths.root, SECRET_FILE), opts.keychain) : undefined;
  // The keychain's secrets over the process's own: the window's are the later word.
  const env = kept ? { ...(opts.env ?? process.env), ...kept.values } : (opts.env ?? process.env);
  checkRouteSecrets(opts.config.routes, env);
  const unlock = await lockDataDir(paths);
  // What a start that fails half-way must close again, in reverse order.
  const undo: (() => Promise<void>)[] = [];
  try {
    return await build(opts, env, paths, unlock, undo, kept);
  } catch (e) {
    for (const fn of [...undo.reverse(), unlock]) await fn().catch((err: Error) => process.stderr.write(`cleanup: ${err.message}\n`));
    throw e;
  }
}

async function build(opts: RelayOptions, env: NodeJS.ProcessEnv, paths: DataDirLayout, unlock: () => Promise<void>, undo: (() => Promise<void>)[], kept: OpenedSecrets | undefined): Promise<Relay> {
  const file = opts.config;
  // Live views get every line the file gets, batched; the hub exists later.
  let onLogLines: (lines: string[]) => void = () => undefined;
  const log = await openMailLog({ dir: paths.root, maxBytes: file.log.maxBytes, keep: file.log.keep, onLine: lineBatcher((lines) => onLogLines(lines)) });
  undo.push(() => log.close());
  log.info(logLines.startup(VERSION, listenersOf(file).map((l) => `${l.host}:${l.port}`).join(', ')));
  if (kept?.unreadable.length) log.warn(logLines.secretsUnreadable(kept.unreadable));

  const { state, spool, queue, hosts, stats, bounces, toSchedule, nextIcid, nextDcid, dropOverrides } = await restoreRelayState(paths, log, opts.flushIntervalMs ?? 1000);
  // Its batched-write timer is armed from here on: a failed start must close it
  // before rejecting, or it writes into a folder the caller may be removing.
  undo.push(() => state.close());

  // --- config (the file is the truth: Settings write it, its edits apply live) ---
  const hub = new EventHub({
    queueTotals: () => ({ recipients: queue.pendingRecipients, messages: queue.pendingMessageCount, totals: { delivered: stats.delivered, bounced: stats.bounced, noticesFailed: bounces.noticesFailed().total } }),
    onSubscriberError: (e) => log.warn(logLines.subscriberFailed(e.message)),
  });
  const config = await LiveConfig.open(file, { env, log, hub, file: opts.configFile ?? paths.config, legacy: state.data.overrides, dropLegacy: dropOverrides, watch: opts.configWatch });
  undo.push(async () => config.stop());
  const initial = config.get();

  // --- delivery ----------------------------------------------------------------
  const d = initial.delivery;
  const resolver = new RouteResolver(initial.routes, { dns: opts.dns ?? dnsPromises, env });
  config.onChange((c) => resolver.setRoutes(c.routes));
  const registerConfigured = (c: RelayConfig): void => {
    const dests = configuredDestinations(c, env);
    for (const dest of dests) hosts.register(dest);
    warnExpiringCertificates(dests, log);
  };
  registerConfigured(initial);
  config.onChange(registerConfigured);
  const stopExpiryWatch = watchExpiringCertificates(() => configuredDestinations(config.get(), env), log);
  undo.push(async () => stopExpiryWatch());
  const order = new DestinationOrder();
  const engine = createDeliveryEngine({
    hostname: initial.hostname,
    log,
    nextDcid,
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
  const bouncer = new RecipientBouncer(queue, ndr, bounces);
  // Probe failures are heard by the registry too: a retry waits for them.
  const smtpProbe = createSmtpProbe({ hostname: initial.hostname, timeoutMs: d.connectTimeoutSeconds * 1000 });
  const graphProbe = createGraphProbe({ timeoutMs: d.connectTimeoutSeconds * 1000 });
  const probe = hosts.watchProbes((dest: Destination) => (dest.graph ? graphProbe(dest) : smtpProbe(dest)));
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
  publishLiveEvents(hub, queue, hosts);
  const metrics = new RelayMetrics({ queue, stats, hosts, inboundConnections: () => inbound.group.openConnections, spoolBytes: () => spool.diskUsage(), dataDir: paths.root });
  const retries = new RetryTracker(queue, hub, log);
  onLogLines = (lines) => hub.publish('log', { lines });

  // --- inbound -----------------------------------------------------------------
  let accepting = true;
  const onLockout = (e: ControlEvents['auth-lockout']): void => void hub.publish('auth-lockout', e);
  // On its own thread (core/inbound/worker/, off by default until measured on idle machines): the second core.
  let fatal: (reason: string) => void = (reason) => void log.write('Critical', logLines.shutdown(reason));
  const inbound =
    (opts.inboundThread ?? process.env.RELAYWATCH_INBOUND_THREAD === '1')
      ? await startInboundWorker({ config: initial, spool, spoolDirs: paths, log, nextIcid, onMessage: intake.accept, onLockout, onFatal: (reason) => fatal(reason) }, paths.root)
      : await startInbound({ config: initial, spool, log, nextIcid, onMessage: intake.accept, acceptingMessages: () => accepting, onLockout }, paths.root);
  config.onChange((c) => inbound.group.setRelayNetworks(c.relayNetworks));
  // `tls` edited (file or the window's Replace): switch certificate; a bad pair is logged and the old one kept.
  config.onChange((c) => {
    inbound.certificate?.useFiles(c.tls).catch(() => undefined);
  });
  const smtp = inbound.first;
  undo.push(() => inbound.stop());
  // Before the scheduler starts: pickup-recovery.ts needs the spool as the crash left it.
  const pickup = await startPickup(initial, { spool, log, onMessage: intake.accept });
  if (pickup) undo.push(() => pickup.stop());
  const startedAt = Date.now();

  // --- control -----------------------------------------------------------------
  const accounts = new AccountStore(paths.root);
  const stopAccountsWatch = accounts.watch(() => void hub.publish('accounts', {}));
  undo.push(async () => stopAccountsWatch());
  const control = createControl({ version: VERSION, startedAt, listener: smtp, inbound: () => inboundStatus(inbound), ...(pickup ? { pickup: () => pickup.status() } : {}), accounts, certificate: () => inbound.certificate, queue, hosts, scheduler, prober, stats, bounces, spool, log, logDir: paths.root, bouncer, retries, hub, config, env, secrets: kept?.store });
  let server: ControlServer | undefined;
  let controlUrl: string | undefined;
  let controlTls: ControlTls | undefined;
  let controlTokens: TokenStore | undefined;
  if (opts.controlServer !== false) {
    const token = await ensureToken(paths.token);
    const c = initial.control;
    const tls = (controlTls = c.tls === undefined ? undefined : await openControlTls({ tls: c.tls, listener: inbound.certificate, listenerFiles: initial.tls, dataDir: paths.root, hostname: initial.hostname, log }));
    if (tls) undo.push(async () => tls.close());
    const tokens = (controlTokens = new TokenStore(paths.root));
    tokens.watch();
    undo.push(() => tokens.close());
    const s = await startControlServer({ api: control, hub, host: c.host, port: c.port, token, staticDir: opts.staticDir, log, tls, hostname: initial.hostname, tokens, metrics: metricsRoute(metrics, initial.metrics.allowNetworks) });
    server = s;
    undo.push(() => s.close());
    controlUrl = `${s.url}#token=${token}`;
  }

  for (const m of toSchedule) scheduler.enqueue(m);
  scheduler.start();
  prober.start();
  const alerts = startAlerts({ config: initial.alerts, hostname: initial.hostname, hub, queue, hosts, spool, accept: intake.accept, resolve: (dom) => resolver.resolve(dom), log, dataDir: paths.root });
  // A full disk must not stop the start (delivering is what frees space):
  // relay.json is retried until it can be written.
  const runtime = await publishRuntimeInfo(
    paths,
    { pid: process.pid, version: VERSION, startedAt, smtp, control: server ? { host: server.host, port: server.port, ...(server.fingerprint256 ? { fingerprint256: server.fingerprint256 } : {}) } : undefined },
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
    stop(reason = 'stop requested', deadlineMs = STOP_DEADLINE_MS) {
      stopping ??= (async () => {
        log.info(logLines.shutdown(reason));
        accepting = false;
        await inbound.stop();
        await pickup?.stop();
        await server?.close();
        controlTls?.close();
        await controlTokens?.close();
        stopAccountsWatch();
        prober.stop();
        alerts?.stop();
        stopExpiryWatch();
        config.stop();
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
  fatal = (reason) => {
    const told = (): void => opts.onFatal?.(reason);
    relay.stop(reason).then(told, told);
  };
  registerInternals(relay, { queue, hosts, scheduler, prober, stats, spool, engine, pickup, inboundConnections: () => inbound.group.openConnections, intakeThread: inbound.thread });
  return relay;
}

export { RelayError };
// The desktop shell may import core only through this file and core/control/.
export { defaultConfigFile, defaultDataDir } from './data-dir.js';
export { applyHeapPolicy } from './runtime/heap-policy.js';
export { loadConfig } from './config/load-config.js';
