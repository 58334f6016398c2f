/**
 * commands: the implementation of every control operation (common/operations.ts).
 *
 * Owns: what each ESA-style command does against the running relay (status
 * (status-command.ts), tophosts and hoststatus (rows by host-summary.ts),
 * showrecipients, oldmessage, retryall, delivernow, retry, suspend, resume,
 * delete/bounce recipients (both logged; bounce sends the NDR), bounces,
 * history, log tail, and the first-run guide's connection test and machine
 * networks), as one class whose methods createControl() lists as the
 * ControlApi table, beside the operations kept in modules of their own
 * (config, accounts, certificate, secrets). One implementation for the
 * CLI, the dashboard and the desktop shell: no logic is written twice.
 * Does not own: transports (server/, electron/) or argument validation
 * (arg-schemas.ts, applied by dispatch()).
 * Raises: RelayError EARGS (bad argument), ENOTFOUND (a host or MID the
 * relay does not know; carries `field`, mapped to 404 by server/), ECONFIG (a
 * config change that does not validate).
 */
import type { AccountStore } from '../accounts/account-store.js';
import { RelayError } from '../errors/relay-error.js';
import { testSmtpConnection } from '../hosts/connection-test.js';
import { testGraphConnection } from '../hosts/graph-connection-test.js';
import { hostRefreshEvent } from '../hosts/host-event.js';
import { findHost, hostKeyOf } from '../hosts/host-lookup.js';
import type { HostProber } from '../hosts/host-prober.js';
import { labelOf, type HostState } from '../hosts/host-registry.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import { readLogTail } from '../log/mail-log.js';
import type { QueuedRecipient } from '../queue/queue-types.js';
import type { DeliveryScheduler } from '../scheduler/delivery-scheduler.js';
import type { RecipientBouncer } from '../scheduler/bounce-recipients.js';
import type { LiveConfig } from './apply-config.js';
import { accountCommands } from './account-commands.js';
import { configCommands } from './config-commands.js';
import { replaceCertificate, type CertificateCommandDeps } from './certificate-command.js';
import { machineNetworks } from './machine-networks.js';
import { parseArgs } from './arg-schemas.js';
import { setSecret } from './secret-commands.js';
import type { ArgOf, ControlApi, ControlMethod, HostSummary, RecipientSelector, ResultOf, RetryResult } from './contract.js';
import type { EventHub } from './event-hub.js';
import { hostHistory } from './host-history.js';
import { relayStatus, type StatusDeps } from './status-command.js';
import { hostDetail, hostSummary, sortHosts, type HostSummaryDeps } from './host-summary.js';
import { oldestMessage } from './oldest-message.js';
import { queryRecipients } from './recipient-query.js';
import type { RetryTracker } from './retry-tracker.js';

export interface ControlDeps extends StatusDeps {
  scheduler: DeliveryScheduler;
  prober: HostProber;
  log: MailLog;
  /** Folder of the mail log files (log tail reads them). */
  logDir: string;
  bouncer: RecipientBouncer;
  retries: RetryTracker;
  hub: EventHub;
  /** The device accounts of the data dir (account-commands.ts). */
  accounts: AccountStore;
  /** The listeners' certificate, when a listener uses TLS (certificate-command.ts). */
  certificate?: CertificateCommandDeps['certificate'];
  /** The current config; a change is validated, applied live and persisted there. */
  config: Pick<LiveConfig, 'get' | 'change' | 'status'>;
  /** The relay's environment, where destinations' clientSecretEnv are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

/**
 * "No such host / MID": the argument is well-formed, the thing is not there.
 * A dedicated code (not EARGS) so transports need not parse the wording; the
 * field names the argument, as arg-schemas.ts does for invalid ones.
 */
function notFound(field: string, message: string): RelayError {
  return Object.assign(new RelayError({ code: 'ENOTFOUND', message, temporary: false }), { field });
}

type Result<M extends ControlMethod> = Promise<ResultOf<M>>;

/** The transports' API: each operation of common/operations.ts calls its command. */
export function createControl(deps: ControlDeps): ControlApi {
  const c = new ControlCommands(deps);
  return {
    status: () => c.status(),
    tophosts: (q) => c.tophosts(q),
    hoststatus: (q) => c.hoststatus(q),
    showrecipients: (q) => c.showrecipients(q),
    oldmessage: () => c.oldmessage(),
    retryall: () => c.retryall(),
    delivernow: (q) => c.delivernow(q),
    retry: (q) => c.retry(q),
    suspend: (q) => c.suspend(q),
    resume: (q) => c.resume(q),
    deleterecipients: (q) => c.deleterecipients(q),
    bouncerecipients: (q) => c.bouncerecipients(q),
    ...configCommands(deps.config),
    interfaces: () => c.interfaces(),
    logTail: (q) => c.logTail(q),
    history: async () => hostHistory(deps.hosts, deps.stats, (deps.now ?? Date.now)()),
    testConnection: (q) => c.testConnection(q),
    bounces: (q) => c.bounces(q),
    ...accountCommands(deps.accounts),
    certificateReplace: (q) => replaceCertificate({ config: deps.config, certificate: deps.certificate ?? (() => undefined) }, q),
    setSecret: (q) => setSecret({ secrets: deps.secrets, env: deps.env ?? process.env, log: deps.log }, q),
  };
}

export class ControlCommands {
  constructor(private readonly deps: ControlDeps) {}

  async status(): Result<'status'> {
    return relayStatus(this.deps, this.now());
  }

  async tophosts(q: ArgOf<'tophosts'> = {}): Result<'tophosts'> {
    return sortHosts(
      this.deps.hosts.all().map((h) => this.summary(h)),
      q.sort,
    );
  }

  async hoststatus({ host }: ArgOf<'hoststatus'>): Result<'hoststatus'> {
    return hostDetail(this.hostOrThrow(host), this.summaryDeps());
  }

  async showrecipients(q: ArgOf<'showrecipients'> = {}): Result<'showrecipients'> {
    return queryRecipients(this.deps.queue, q.host === undefined ? q : { ...q, host: hostKeyOf(this.deps.hosts, q.host) });
  }

  async oldmessage(): Result<'oldmessage'> {
    return oldestMessage(this.deps.queue);
  }

  async retryall(): Result<'retryall'> {
    // "Retry all" is pressed when the admin knows the server is back: probe
    // every Down host now, so its `up` event delivers at once instead of
    // waiting for the prober's back-off (recipients of Down hosts are
    // skipped at dispatch until then).
    for (const h of this.deps.hosts.all()) if (h.status === 'down' && !h.suspended) this.deps.prober.probeNow(h.key);
    return this.retryRecipients(this.deps.queue.pendingRecipientsIter(), 'retryall');
  }

  async delivernow({ host }: ArgOf<'delivernow'>): Result<'delivernow'> {
    const h = this.hostOrThrow(host);
    // ESA's delivernow forces an attempt; for a Down host that means probing
    // it now; if it answers, its `up` event delivers the queue at once.
    if (h.status === 'down') this.deps.prober.probeNow(h.key);
    return this.retryRecipients(this.deps.scheduler.recipientsForHost(h.key), `delivernow ${labelOf(h)}`);
  }

  async retry({ mid }: ArgOf<'retry'>): Result<'retry'> {
    const m = this.deps.queue.get(mid);
    if (!m) throw notFound('mid', `mid: MID ${mid} is not in the queue`);
    return this.retryRecipients(m.recipients, 'retry');
  }

  async suspend({ host }: ArgOf<'suspend'>): Result<'suspend'> {
    const h = this.deps.hosts.setSuspended(this.hostOrThrow(host).key, true);
    this.publishSuspension(h, 'suspended by the operator');
    return this.summary(h);
  }

  async resume({ host }: ArgOf<'resume'>): Result<'resume'> {
    const h = this.deps.hosts.setSuspended(this.hostOrThrow(host).key, false);
    this.deps.scheduler.retryNow(this.deps.scheduler.recipientsForHost(h.key));
    this.publishSuspension(h, 'resumed by the operator');
    return this.summary(h);
  }

  async deleterecipients(sel: ArgOf<'deleterecipients'>): Result<'deleterecipients'> {
    let affected = 0;
    for (const [mid, rs] of byMid(this.select(sel))) {
      this.deps.log.info(logLines.operatorDeleted(mid, rs.map((r) => r.rid), 'control'));
      for (const r of rs) this.deps.queue.deleted(r);
      affected += rs.length;
    }
    return { affected };
  }

  async bouncerecipients(sel: ArgOf<'bouncerecipients'>): Result<'bouncerecipients'> {
    let affected = 0;
    for (const [mid, rs] of byMid(this.select(sel))) {
      const m = this.deps.queue.get(mid);
      if (!m) continue;
      this.deps.log.info(logLines.operatorBounced(mid, rs.map((r) => r.rid), 'control'));
      const error = new RelayError({ code: 'EOPERATOR', message: 'Bounced by the relay operator', enhanced: '5.0.0', temporary: false }).toJSON();
      await this.deps.bouncer.bounceRecipients(m, rs.map((r) => ({ r, error, host: r.lastHost })), this.now());
      affected += rs.length;
    }
    return { affected };
  }

  async interfaces(): Result<'interfaces'> {
    return machineNetworks();
  }

  async logTail(q: ArgOf<'logTail'> = {}): Result<'logTail'> {
    return readLogTail(this.deps.logDir, { lines: q.lines ?? 200, grep: q.grep, mid: q.mid, user: q.user });
  }

  async bounces(q: ArgOf<'bounces'> = {}): Result<'bounces'> {
    return this.deps.bounces.list(q, (key) => this.deps.hosts.get(key)?.destination?.name);
  }

  async testConnection(q: ArgOf<'testConnection'>): Result<'testConnection'> {
    // The guide's check answers within seconds even if deliveries wait longer.
    const c = this.deps.config.get();
    const opts = { hostname: c.hostname, timeoutMs: Math.min(c.delivery.connectTimeoutSeconds, 15) * 1000, env: this.deps.env };
    return 'type' in q ? testGraphConnection(q, opts) : testSmtpConnection(q, opts);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private summaryDeps(): HostSummaryDeps {
    return { queue: this.deps.queue, prober: this.deps.prober, now: this.now() };
  }

  private summary(h: HostState): HostSummary {
    return hostSummary(h, this.summaryDeps());
  }

  private hostOrThrow(key: string): HostState {
    const h = findHost(this.deps.hosts, key);
    if (!h) {
      const known = this.deps.hosts.all().map((x) => (x.destination?.name ? `${x.destination.name} = ${x.key}` : x.key)).slice(0, 10).join(', ');
      throw notFound('host', `host ${key}: not a known destination${known ? ` (known: ${known})` : ''}`);
    }
    return h;
  }

  // The operation claims the recipients it makes due; its result counts
  // their outcomes (a recipient another retry already claimed stays theirs).
  private retryRecipients(rs: Iterable<QueuedRecipient>, what: string): RetryResult {
    const queued = [...rs].filter((r) => r.state === 'queued');
    const operationId = this.deps.retries.newOperation();
    this.deps.scheduler.retryNow(queued, operationId);
    const claimed = queued.filter((r) => r.retry?.operation === operationId);
    this.deps.retries.follow(operationId, claimed, what);
    return { scheduled: claimed.length, operationId };
  }

  private select(s: RecipientSelector): QueuedRecipient[] {
    if ('host' in s) return [...this.deps.queue.pendingForHost(hostKeyOf(this.deps.hosts, s.host))];
    const m = this.deps.queue.get(s.mid);
    if (!m) throw notFound('mid', `mid: MID ${s.mid} is not in the queue`);
    const rs = m.recipients.filter((r) => s.rid === undefined || r.rid === s.rid);
    if (s.rid !== undefined && rs.length === 0) throw notFound('rid', `rid: MID ${s.mid} has no RID ${s.rid}`);
    return rs;
  }

  // Suspension does not change Up/Down, but every live view (tray, dashboard)
  // must learn of it at once: a host event with the same status says so.
  private publishSuspension(h: HostState, reason: string): void {
    this.deps.hub.publish('host', hostRefreshEvent(h, reason, this.deps.queue.pendingCountForHost(h.key).pending));
  }
}

function byMid(rs: QueuedRecipient[]): Map<number, QueuedRecipient[]> {
  const out = new Map<number, QueuedRecipient[]>();
  for (const r of rs) {
    // Recipients in a delivery attempt right now are left to finish it.
    if (r.state !== 'queued') continue;
    const list = out.get(r.mid) ?? [];
    list.push(r);
    out.set(r.mid, list);
  }
  return out;
}

/** Calls a method by name with untrusted arguments: the transports' entry point. */
export async function dispatch(api: ControlApi, method: string, args: unknown): Promise<unknown> {
  if (!Object.hasOwn(api, method)) {
    throw new RelayError({ code: 'EARGS', message: `unknown operation "${method.slice(0, 40)}"`, temporary: false });
  }
  const m = method as ControlMethod;
  const parsed = parseArgs(m, args);
  return (api[m] as (a: unknown) => Promise<unknown>)(parsed);
}
