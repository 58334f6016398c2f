/**
 * relay-internals: the modules behind a running relay, for tests and
 * benchmarks that watch the queue or the hosts directly. Production code
 * (cli/, electron/) uses the Relay handle only: the control contract and the
 * lifecycle. Kept in a WeakMap so the handle's type does not carry them.
 */
import type { DeliveryEngine } from './delivery/delivery-types.js';
import type { HostProber } from './hosts/host-prober.js';
import type { HostRegistry } from './hosts/host-registry.js';
import type { DeliveryStats } from './queue/delivery-stats.js';
import type { MessageQueue } from './queue/message-queue.js';
import type { DeliveryScheduler } from './scheduler/delivery-scheduler.js';
import type { FileSpool } from './spool/file-spool.js';
import type { PickupFolder } from './pickup/pickup-folder.js';
import type { Worker } from 'node:worker_threads';

export interface RelayInternals {
  readonly queue: MessageQueue;
  readonly hosts: HostRegistry;
  readonly scheduler: DeliveryScheduler;
  readonly prober: HostProber;
  readonly stats: DeliveryStats;
  readonly spool: FileSpool;
  readonly engine: DeliveryEngine;
  /** The pickup folder, when configured. */
  readonly pickup?: PickupFolder | undefined;
  /** Open SMTP connections over every listener (what metrics report). */
  readonly inboundConnections: () => number;
  /** The SMTP intake thread now running, when inboundThread is on. */
  readonly intakeThread?: (() => Worker | undefined) | undefined;
}

const internals = new WeakMap<object, RelayInternals>();

/** Called by the composition root once per relay it builds. */
export function registerInternals(relay: object, parts: RelayInternals): void {
  internals.set(relay, parts);
}

export function internalsOf(relay: object): RelayInternals {
  const parts = internals.get(relay);
  if (!parts) throw new Error('internalsOf: not a relay built by startRelay');
  return parts;
}
