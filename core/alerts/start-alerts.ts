/**
 * start-alerts: builds the alert engine and its channels from `alerts` in the
 * config (none configured: no engine at all), for the composition root.
 */
import type { AlertsConfig } from '../config/alerts-schema.js';
import type { EventHub } from '../control/event-hub.js';
import type { HostRegistry } from '../hosts/host-registry.js';
import type { MailLog } from '../log/log-types.js';
import type { MessageQueue } from '../queue/message-queue.js';
import type { ResolvedRoute } from '../routing/routing-types.js';
import type { SpooledMessage, SpoolStore } from '../spool/spool-types.js';
import { AlertEngine, type AlertChannel } from './alert-engine.js';
import { EmailChannel } from './email-channel.js';
import { WebhookChannel, type WebhookPolicy } from './webhook-channel.js';

export interface StartAlertsDeps {
  config: AlertsConfig;
  hostname: string;
  hub: EventHub;
  queue: MessageQueue;
  hosts: HostRegistry;
  spool: SpoolStore;
  accept: (msg: SpooledMessage) => void;
  resolve: (domain: string) => Promise<ResolvedRoute>;
  log: MailLog;
  dataDir: string;
  webhookPolicy?: Partial<WebhookPolicy>;
}

export function startAlerts(d: StartAlertsDeps): AlertEngine | undefined {
  const channels: AlertChannel[] = [];
  const { webhook, email } = d.config;
  if (webhook) channels.push(new WebhookChannel({ url: webhook.url, format: webhook.format, log: d.log, ...(d.webhookPolicy ? { policy: d.webhookPolicy } : {}) }));
  if (email) {
    channels.push(
      new EmailChannel({ to: email.to, hostname: d.hostname, spool: d.spool, accept: d.accept, resolve: d.resolve, host: (key) => d.hosts.get(key), log: d.log }),
    );
  }
  if (!channels.length) return undefined;
  const engine = new AlertEngine({ config: d.config, hostname: d.hostname, hub: d.hub, queue: d.queue, hosts: d.hosts, channels, dataDir: d.dataDir });
  engine.start();
  return engine;
}
