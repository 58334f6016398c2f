/**
 * start-pickup: builds the pickup folder from the config (nothing when
 * `pickup` is absent) with the SMTP intake's limits and spool, and starts it.
 */
import { access } from 'node:fs/promises';
import type { RelayConfig } from '../config/config-schema.js';
import type { MailLog } from '../log/log-types.js';
import type { FileSpool } from '../spool/file-spool.js';
import type { SpooledMessage } from '../spool/spool-types.js';
import { PickupFolder } from './pickup-folder.js';

export interface PickupWiring {
  spool: FileSpool;
  log: MailLog;
  onMessage(msg: SpooledMessage): void;
}

export async function startPickup(config: RelayConfig, w: PickupWiring): Promise<PickupFolder | undefined> {
  if (!config.pickup) return undefined;
  const folder = new PickupFolder({
    dir: config.pickup.dir,
    pollSeconds: config.pickup.pollSeconds,
    hostname: config.hostname,
    maxMessageBytes: config.limits.maxMessageBytes,
    maxRecipients: config.limits.maxRecipients,
    spool: w.spool,
    log: w.log,
    onMessage: w.onMessage,
    isSpooled: (mid) =>
      access(w.spool.pathOf(mid)).then(
        () => true,
        () => false,
      ),
  });
  await folder.start();
  return folder;
}
