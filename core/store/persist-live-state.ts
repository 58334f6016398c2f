/**
 * persist-live-state: subscribes the state file to the services it saves.
 * The queue index is streamed from the live queue at each flush; hosts,
 * statistics, bounce records and the ID counters are copied in just before it. A write is
 * scheduled by the events that change them, batched by the store's timer.
 */
import type { HostRegistry } from '../hosts/host-registry.js';
import type { DeliveryStats } from '../queue/delivery-stats.js';
import type { MessageQueue } from '../queue/message-queue.js';
import type { BounceRecords } from '../scheduler/bounce-records.js';
import type { StateStore } from './state-store.js';

export function persistLiveState(store: StateStore, live: { queue: MessageQueue; hosts: HostRegistry; stats: DeliveryStats; bounces: BounceRecords; counters: () => { icid: number; dcid: number } }): void {
  const { queue, hosts, stats } = live;
  store.onCollect((data) => {
    data.hosts = hosts.snapshot();
    data.stats = stats.snapshot();
    data.bounces = live.bounces.snapshot();
    data.counters = live.counters();
  });
  store.useQueueSource(() => queue.indexEntries());
  queue.on('outcome', (_r, what) => {
    // Starting an attempt is not worth a write on its own (a crash requeues it anyway).
    if (what !== 'attempting') store.scheduleWrite();
  });
  queue.on('added', () => store.scheduleWrite());
  queue.on('finished', () => store.scheduleWrite());
  hosts.on('change', () => store.scheduleWrite());
  live.bounces.on('change', () => store.scheduleWrite());
  store.scheduleWrite();
}
