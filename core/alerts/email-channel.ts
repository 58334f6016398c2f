/**
 * email-channel: an alert as a short plain-text email to `alerts.email.to`,
 * spooled and queued like any message (so it is durable and retried), from
 * the null sender (RFC 3834 §3.3: an automatic message must not draw replies
 * or bounces) and of kind `alert` (never bounced, never counted as mail).
 * It must leave by a destination other than the one that is down: before
 * queuing, the route for the address's domain is checked, and when every
 * destination on it is Down or suspended the alert is not queued (it would
 * arrive after the outage, as stale news) and the log says why.
 */
import { randomBytes } from 'node:crypto';
import { CRLF, foldField, rfc5322Date, sanitizeField, wrapText } from '../bounce/rfc5322-format.js';
import type { HostState } from '../hosts/host-registry.js';
import { hostLabel, logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import { domainOf } from '../queue/message-queue.js';
import type { ResolvedRoute } from '../routing/routing-types.js';
import type { SpooledMessage, SpoolStore } from '../spool/spool-types.js';
import type { Alert } from './alert.js';

export interface EmailChannelDeps {
  to: string;
  hostname: string;
  spool: Pick<SpoolStore, 'allocateMid' | 'write'>;
  accept: (msg: SpooledMessage) => void;
  resolve: (domain: string) => Promise<ResolvedRoute>;
  host: (key: string) => Pick<HostState, 'status' | 'suspended'> | undefined;
  log: MailLog;
  now?: () => number;
}

export function alertMessage(a: Alert, to: string, hostname: string, mid: number, now: number): Buffer {
  const from = `relaywatch@${hostname}`;
  const lines = [
    foldField('From', `Relaywatch <${from}>`),
    foldField('To', `<${to}>`),
    foldField('Subject', `[Relaywatch ${hostname}] ${sanitizeField(a.title, 200)}`),
    `Date: ${rfc5322Date(now)}`,
    `Message-ID: <${now.toString(36)}.${mid}.${randomBytes(4).toString('hex')}@${hostname}>`,
    // RFC 3834 §5: marks it as machine-made, so auto-replies stay quiet.
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...wrapText(sanitizeField(a.text)),
    '',
    ...(a.host ? [`Host:  ${a.name ? `${a.name} (${a.host})` : a.host}`] : []),
    ...(a.subject ? [`About: ${sanitizeField(a.subject, 200)}`] : []),
    `Relay: ${hostname}`,
    `At:    ${a.at}`,
    `Event: ${a.event}`,
    '',
  ];
  return Buffer.from(lines.join(CRLF), 'utf8');
}

export class EmailChannel {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly d: EmailChannelDeps) {}

  send(a: Alert): void {
    // In order, one at a time: MIDs and the log follow the alerts' order.
    this.chain = this.chain.then(() => this.queue(a)).catch((e: Error) => this.d.log.warn(logLines.alertFailed('email', a.event, `<${this.d.to}>`, e.message)));
  }

  async idle(): Promise<void> {
    await this.chain;
  }

  private async queue(a: Alert): Promise<void> {
    const blocked = await this.blockedBy();
    if (blocked) {
      this.d.log.warn(logLines.alertFailed('email', a.event, `<${this.d.to}>`, blocked));
      return;
    }
    const now = (this.d.now ?? Date.now)();
    const mid = await this.d.spool.allocateMid();
    const spooled = await this.d.spool.write(
      { mid, kind: 'alert', sender: '', recipients: [{ rid: 0, address: this.d.to }], receivedAt: now, icid: 0, clientAddress: '127.0.0.1', clientHelo: this.d.hostname, subject: a.title },
      alertMessage(a, this.d.to, this.d.hostname, mid, now),
    );
    this.d.accept(spooled);
    this.d.log.info(logLines.alertEmailQueued(mid, this.d.to, a.event));
  }

  /** Why the alert cannot leave now (every destination of its route is Down or suspended), or undefined. */
  private async blockedBy(): Promise<string | undefined> {
    const domain = domainOf(this.d.to);
    let route: ResolvedRoute;
    try {
      route = await this.d.resolve(domain);
    } catch (e) {
      return `no route to ${domain}: ${(e as Error).message}`;
    }
    const dests = route.destinations;
    if (dests.length === 0) return `no destination for ${domain}`;
    const usable = dests.filter((d) => {
      const h = this.d.host(d.key);
      return !h || (h.status !== 'down' && !h.suspended);
    });
    if (usable.length) return undefined;
    return `every destination for ${domain} is down or suspended: ${dests.map((d) => hostLabel(d.key, d.name)).join(', ')}`;
  }
}
