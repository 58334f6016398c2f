/**
 * reconcile: rebuilds the queue at start from the spool (the source of truth)
 * and the lowdb index (cheap to lose), as DESIGN.md "Durability" says.
 *
 * Owns: the three rules — a spool file with no index entry is queued afresh;
 * an index entry with no spool file is dropped and logged; a message whose
 * recipients were all final before a crash (its removal did not happen) is
 * removed now. Unreadable spool files are moved aside by the spool's scan and
 * logged here.
 * Does not own: scheduling (the caller enqueues what is returned) or writing
 * the index (the caller marks it dirty).
 * Raises: what the spool's scan raises for errors that are not a bad file.
 */
import { logLines } from '../log/log-lines.js';
import type { MailLog } from '../log/log-types.js';
import type { SpoolStore } from '../spool/spool-types.js';
import type { MessageQueue } from './message-queue.js';
import { FINAL_STATES, type IndexedRecipient, type QueuedMessage } from './queue-types.js';

export async function reconcileQueue(opts: {
  spool: SpoolStore;
  queue: MessageQueue;
  /** The index as loaded; entries are deleted from it as the rules say. */
  index: Record<string, IndexedRecipient[]>;
  log: MailLog;
  corruptDir: string;
}): Promise<QueuedMessage[]> {
  const { spool, queue, index, log } = opts;
  const seen = new Set<string>();
  const pending: QueuedMessage[] = [];
  for await (const msg of spool.scan((file, reason) => log.warn(logLines.spoolCorrupt(file, opts.corruptDir, reason)))) {
    const key = String(msg.envelope.mid);
    seen.add(key);
    const entry = index[key];
    if (!entry) log.info(logLines.requeued(msg.envelope.mid));
    const m = queue.add(msg, entry);
    if (m.recipients.every((r) => FINAL_STATES.has(r.state))) {
      // Finished before the crash, removal did not happen: finish it now.
      queue.forget(m.mid);
      await spool.remove(m.mid);
      delete index[key];
      continue;
    }
    pending.push(m);
  }
  for (const key of Object.keys(index)) {
    if (!seen.has(key)) {
      log.warn(logLines.indexOrphan(Number(key)));
      delete index[key];
    }
  }
  return pending;
}
