/**
 * outage-log-volume: the mail log stays bounded during an outage with a large
 * queue (issue 12, item 3). 100,000 recipients (2,000 messages of 50) wait
 * for a Down host through several retry rounds and many failed probes: the
 * log gets one "waiting for" line per message for the whole outage, none per
 * round or probe; a "retry all" of all of them writes a bounded number of lines.
 * The real scheduler, queue, host registry and retry tracker; a clock the test
 * moves; no SMTP (no connection is ever tried to a Down host).
 */
import { describe, expect, it } from 'vitest';
import { bounceProfileSchema } from '../../../core/config/config-schema.js';
import { EventHub } from '../../../core/control/event-hub.js';
import { RETRY_LINES_PER_OPERATION, RetryTracker } from '../../../core/control/retry-tracker.js';
import type { DeliveryEngine } from '../../../core/delivery/delivery-types.js';
import { RelayError } from '../../../core/errors/relay-error.js';
import { HostRegistry } from '../../../core/hosts/host-registry.js';
import { MessageQueue } from '../../../core/queue/message-queue.js';
import type { QueuedRecipient } from '../../../core/queue/queue-types.js';
import type { RecipientBouncer } from '../../../core/scheduler/bounce-recipients.js';
import { DeliveryScheduler } from '../../../core/scheduler/delivery-scheduler.js';
import type { Destination } from '../../../core/routing/routing-types.js';
import type { SpoolStore } from '../../../core/spool/spool-types.js';
import { MemoryLog } from '../../helpers/memory-log.js';

const MESSAGES = 2000;
const PER_MESSAGE = 50;
const TOTAL = MESSAGES * PER_MESSAGE;
const ROUNDS = 3;
const PROBES_PER_ROUND = 20;

describe('mail log volume during an outage', () => {
  it('writes one waiting line per message for 100,000 queued recipients, not one per retry round or probe', async () => {
    const log = new MemoryLog();
    let clock = Date.UTC(2026, 11, 4, 8, 0, 0);
    const now = (): number => clock;
    const queue = new MessageQueue();
    const hosts = new HostRegistry(log, now);
    const dest: Destination = { key: '10.1.1.5:25', host: '10.1.1.5', port: 25, priority: 10, tls: 'none', name: 'Exchange', configured: true };
    hosts.register(dest);
    const refused = new RelayError({ code: 'ECONNECTION', message: 'connect ECONNREFUSED 10.1.1.5:25', enhanced: '4.4.1', temporary: true });
    hosts.hostFailed(dest.key, refused);
    const engine: DeliveryEngine = {
      deliver: () => Promise.reject(new Error('no connection may be tried to a Down host')),
      close: () => Promise.resolve(),
    };
    const scheduler = new DeliveryScheduler({
      queue,
      spool: {} as SpoolStore,
      hosts,
      engine,
      resolveRoute: () => Promise.resolve({ routeDomain: 'corp.example', bounceProfile: 'default', destinations: [dest] }),
      orderDestinations: (_k, d) => d,
      profile: () => bounceProfileSchema.parse({}),
      ndr: { delayWarning: () => Promise.resolve() },
      bouncer: { bounceRecipients: () => Promise.resolve() } as unknown as RecipientBouncer,
      log,
      probeNow: () => undefined,
      maxInFlight: 20,
      connectionsPerHost: 10,
      now,
    });
    let deferred = 0;
    queue.on('outcome', (_r, what) => {
      if (what === 'deferred') deferred++;
    });
    const allDeferred = (n: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (deferred < n) return;
          queue.off('outcome', check);
          resolve();
        };
        queue.on('outcome', check);
      });

    for (let mid = 1; mid <= MESSAGES; mid++) {
      const recipients = Array.from({ length: PER_MESSAGE }, (_, rid) => ({ rid, address: `user${mid}.${rid}@corp.example` }));
      const m = queue.add({ envelope: { mid, kind: 'normal', sender: 'scanner@office.example', recipients, receivedAt: clock, icid: 1, clientAddress: '127.0.0.1', clientHelo: 'scanner' }, size: 1000 }, undefined, clock);
      scheduler.enqueue(m);
    }
    const linesBefore = log.lines.length;
    scheduler.start();
    const failingProbe = hosts.watchProbes(() => Promise.reject(refused));
    for (let round = 1; round <= ROUNDS; round++) {
      await allDeferred(round * TOTAL);
      for (let p = 0; p < PROBES_PER_ROUND; p++) await failingProbe(dest).catch(() => undefined);
      clock += 61_000; // the next retry round is due
      scheduler.start();
    }
    await allDeferred((ROUNDS + 1) * TOTAL);
    await scheduler.stop(1000);

    const waiting = log.grep(/ deferred: waiting for Exchange \(10\.1\.1\.5:25\) which is down since 2026-12-04T08:00:00Z$/);
    expect(waiting).toHaveLength(MESSAGES);
    expect(new Set(waiting.map((l) => /MID (\d+) /.exec(l)![1])).size).toBe(MESSAGES);
    // Nothing else per round or per probe: (ROUNDS + 1) * 100,000 deferrals and 60 probes wrote these lines only.
    expect(log.lines.length - linesBefore).toBe(MESSAGES);
    // Bounded by the queue: the outage log forgets nothing it should not hold longer than the messages.
    expect(scheduler.outageLog.size).toBe(MESSAGES);

    // "Retry all" of all 100,000: a bounded number of request lines.
    const tracker = new RetryTracker(queue, new EventHub({ queueTotals: () => ({ recipients: 0, messages: 0 }) }), log);
    const claimed: QueuedRecipient[] = [];
    for (const m of queue.messagesInOrder()) claimed.push(...m.recipients);
    const before = log.lines.length;
    tracker.follow('op-1', claimed, 'retryall');
    const written = log.lines.slice(before);
    expect(written).toHaveLength(RETRY_LINES_PER_OPERATION + 1);
    expect(written.at(-1)).toBe(`Info: Retry requested by operator (retryall, operation op-1): ${MESSAGES - RETRY_LINES_PER_OPERATION} more messages (${TOTAL - RETRY_LINES_PER_OPERATION * PER_MESSAGE} recipients) not listed`);
  }, 60_000);
});
