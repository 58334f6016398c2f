/**
 * restore-relay-state: the start-up half of durability (DESIGN.md
 * "Durability"). Opens the state file and the spool, restores hosts,
 * statistics, bounce records and ID counters, reconciles spool and index (reconcile.ts), and
 * subscribes the state file to the live services and the saved settings.
 * Raises: spool and state I/O errors from open.
 */
import { HostRegistry } from '../hosts/host-registry.js';
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import { DeliveryStats } from '../queue/delivery-stats.js';
import { MessageQueue } from '../queue/message-queue.js';
import type { QueuedMessage } from '../queue/queue-types.js';
import { reconcileQueue } from '../queue/reconcile.js';
import { BounceRecords } from '../scheduler/bounce-records.js';
import { FileSpool } from '../spool/file-spool.js';
import type { DataDirLayout } from '../data-dir.js';
import { persistLiveState } from './persist-live-state.js';
import { StateStore } from './state-store.js';

export interface RelayState {
  state: StateStore;
  spool: FileSpool;
  queue: MessageQueue;
  hosts: HostRegistry;
  stats: DeliveryStats;
  /** The last bounces (scheduler/bounce-recipients.ts writes them). */
  bounces: BounceRecords;
  /** Messages the reconciliation found due: scheduled once the scheduler starts. */
  toSchedule: QueuedMessage[];
  nextIcid(): number;
  nextDcid(): number;
  /** Keeps settings changed at run time; resolves once they are on disk. */
  /** Forgets the settings an older version kept here (config file is their one source now). */
  dropOverrides(): Promise<void>;
}

export async function restoreRelayState(paths: DataDirLayout, log: MailLog, flushIntervalMs: number): Promise<RelayState> {
  const state = new StateStore(paths.state, { flushIntervalMs, corruptDir: paths.corrupt, onError: (e) => log.warn(logLines.stateWriteFailed(e.message)) });
  const spool = new FileSpool({ spoolDir: paths.spool, corruptDir: paths.corrupt });
  await spool.init();
  const recovered = await state.open();
  if (recovered.recovered) log.warn(logLines.stateRebuilt(recovered.recovered));
  const queue = new MessageQueue();
  const hosts = new HostRegistry(log);
  hosts.restore(state.data.hosts);
  const stats = new DeliveryStats();
  stats.restore(state.data.stats);
  const bounces = new BounceRecords();
  bounces.restore(state.data.bounces);
  // IDs only name log lines; skip ahead so a crash before the last flush
  // does not reuse numbers already in the log.
  let icid = state.data.counters.icid + 1000;
  let dcid = state.data.counters.dcid + 1000;
  const toSchedule = await reconcileQueue({ spool, queue, index: state.data.queue, log, corruptDir: paths.corrupt });
  persistLiveState(state, { queue, hosts, stats, bounces, counters: () => ({ icid, dcid }) });
  // Every change to the pending count comes through `added` or `outcome`; the
  // count is the queue's own counter, so a sample costs O(1) at any depth.
  stats.recordQueueDepth(queue.pendingRecipients);
  queue.on('added', () => stats.recordQueueDepth(queue.pendingRecipients));
  queue.on('outcome', (r, what) => {
    // A failed bounce notice is counted by the bounce records, not as a bounce
    // (the message is still in the queue while its last recipient's event fires).
    if (what === 'delivered' || (what === 'bounced' && queue.get(r.mid)?.kind === 'normal')) stats.count(what);
    stats.recordQueueDepth(queue.pendingRecipients);
  });
  queue.on('finished', (m) => {
    log.info(logLines.messageFinished(m.mid, 'done'));
    spool.remove(m.mid).catch((e: Error) => log.warn(logLines.spoolRemoveFailed(m.mid, e.message)));
  });
  const dropOverrides = async (): Promise<void> => {
    delete state.data.overrides;
    state.scheduleWrite();
    await state.flush();
  };
  return { state, spool, queue, hosts, stats, bounces, toSchedule, nextIcid: () => ++icid, nextDcid: () => ++dcid, dropOverrides };
}
