/**
 * message-intake: where a spooled message enters the queue, from the SMTP
 * listener and from the NDR sender alike. The scheduler is bound late, on
 * purpose: it needs the NDR sender, which needs this intake (a cycle broken
 * here, in one visible place). The relay binds before it starts the
 * listener or the scheduler, so nothing is accepted unbound.
 */
import type { MessageQueue } from '../queue/message-queue.js';
import type { QueuedMessage } from '../queue/queue-types.js';
import type { SpooledMessage } from '../spool/spool-types.js';

export class MessageIntake {
  private scheduler: { enqueue(m: QueuedMessage): void } | undefined;

  constructor(
    private readonly queue: MessageQueue,
    /** Told the number of recipients of every message queued (live counters). */
    private readonly onQueued: (recipients: number) => void,
  ) {}

  bind(scheduler: { enqueue(m: QueuedMessage): void }): void {
    this.scheduler = scheduler;
  }

  readonly accept = (msg: SpooledMessage): void => {
    const m = this.queue.add(msg);
    this.onQueued(m.recipients.length);
    this.scheduler?.enqueue(m);
  };
}
