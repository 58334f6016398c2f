/**
 * message-queue: the in-memory queue of messages and their recipients.
 *
 * Owns: recipient states and the indexes the scheduler and the operator need
 * (by MID, by host, by domain, counts), and the "message is finished" rule
 * (DESIGN.md: a message leaves the spool only when every recipient is
 * delivered, bounced with its NDR spooled, or deleted).
 * Does not own: timing (scheduler/), persistence (state-store.ts), the spool.
 * Raises: nothing; unknown MIDs are reported as undefined.
 */
import { EventEmitter } from 'node:events';
import type { SpooledMessage } from '../spool/spool-types.js';
import { internError, internString } from './intern.js';
import { FINAL_STATES, type IndexedRecipient, type QueuedMessage, type QueuedRecipient, type RecipientState } from './queue-types.js';

export interface QueueEvents {
  /** A recipient changed state (coalesced by consumers, never per event over the wire). */
  change: [r: QueuedRecipient, from: RecipientState];
  /** Every recipient of the message is final: the spool file may go. */
  finished: [m: QueuedMessage];
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

export class MessageQueue extends EventEmitter<QueueEvents> {
  private readonly messages = new Map<number, QueuedMessage>();
  /** Pending (queued or active) recipients by the host they were last tried on. */
  private readonly byHost = new Map<string, Set<QueuedRecipient>>();
  /** Pending recipients by domain: what a host coming back up may unblock. */
  private readonly byDomain = new Map<string, Set<QueuedRecipient>>();
  private pending = 0;
  private pendingMessages = 0;
  /** Recipients in a delivery attempt now: counted here so status needs no scan of 100,000 rows. */
  private active = 0;

  /** Adds a spooled message; `indexed` restores recipient state after a restart. */
  add(msg: SpooledMessage, indexed?: readonly IndexedRecipient[], now = Date.now()): QueuedMessage {
    const env = msg.envelope;
    const byRid = new Map((indexed ?? []).map((r) => [r.rid, r]));
    const recipients = env.recipients.map((r): QueuedRecipient => {
      const ix = byRid.get(r.rid);
      return {
        mid: env.mid,
        rid: r.rid,
        address: internString(r.address),
        domain: internString(domainOf(r.address)),
        // An attempt in flight when we stopped is simply queued again.
        state: ix ? (ix.state === 'active' ? 'queued' : ix.state) : 'queued',
        attempts: ix?.attempts ?? 0,
        nextAttemptAt: ix?.next ?? now,
        lastError: internError(ix?.err),
        lastHost: ix?.host === undefined ? undefined : internString(ix.host),
        lastAttemptAt: ix?.last,
        delayWarned: ix?.warned ?? false,
      };
    });
    const m: QueuedMessage = {
      mid: env.mid,
      kind: env.kind,
      sender: internString(env.sender),
      receivedAt: env.receivedAt,
      size: msg.size,
      icid: env.icid,
      originalMid: env.originalMid,
      subject: env.subject,
      recipients,
    };
    this.messages.set(m.mid, m);
    let anyPending = false;
    for (const r of recipients) {
      if (!FINAL_STATES.has(r.state)) {
        this.indexPending(r);
        anyPending = true;
      }
    }
    if (anyPending) this.pendingMessages++;
    return m;
  }

  get(mid: number): QueuedMessage | undefined {
    return this.messages.get(mid);
  }

  recipient(mid: number, rid: number): QueuedRecipient | undefined {
    return this.messages.get(mid)?.recipients.find((r) => r.rid === rid);
  }

  /** Number of queued + active recipients. */
  get pendingRecipients(): number {
    return this.pending;
  }

  /** Number of recipients in a delivery attempt right now. */
  get activeRecipients(): number {
    return this.active;
  }

  get pendingMessageCount(): number {
    return this.pendingMessages;
  }

  messagesInOrder(): IterableIterator<QueuedMessage> {
    // Map iteration follows insertion order, which is MID order for received mail.
    return this.messages.values();
  }

  *pendingRecipientsIter(): Generator<QueuedRecipient> {
    for (const m of this.messages.values()) for (const r of m.recipients) if (!FINAL_STATES.has(r.state)) yield r;
  }

  pendingForHost(key: string): ReadonlySet<QueuedRecipient> {
    return this.byHost.get(key) ?? new Set();
  }

  pendingForDomain(domain: string): ReadonlySet<QueuedRecipient> {
    return this.byDomain.get(domain) ?? new Set();
  }

  pendingDomains(): IterableIterator<string> {
    return this.byDomain.keys();
  }

  hostsWithPending(): IterableIterator<[string, ReadonlySet<QueuedRecipient>]> {
    return this.byHost.entries();
  }

  /** Oldest receivedAt among messages with pending recipients. */
  oldestPendingAt(): number | undefined {
    for (const m of this.messages.values()) {
      if (m.recipients.some((r) => !FINAL_STATES.has(r.state))) return m.receivedAt;
    }
    return undefined;
  }

  setState(r: QueuedRecipient, state: RecipientState): void {
    const from = r.state;
    if (from === state) return;
    const wasPending = !FINAL_STATES.has(from);
    const isPending = !FINAL_STATES.has(state);
    r.state = state;
    if (from === 'active') this.active--;
    if (state === 'active') this.active++;
    if (wasPending && !isPending) this.unindexPending(r);
    this.emit('change', r, from);
    if (wasPending && !isPending) {
      const m = this.messages.get(r.mid);
      if (m && m.recipients.every((x) => FINAL_STATES.has(x.state))) {
        this.pendingMessages--;
        this.messages.delete(m.mid);
        this.emit('finished', m);
      }
    }
  }

  /** Records which host a pending recipient belongs to (last tried, or first choice). */
  setHost(r: QueuedRecipient, key: string | undefined): void {
    if (r.lastHost === key) return;
    if (!FINAL_STATES.has(r.state) && r.lastHost !== undefined) this.byHost.get(r.lastHost)?.delete(r);
    r.lastHost = key === undefined ? undefined : internString(key);
    if (!FINAL_STATES.has(r.state) && key !== undefined) setOf(this.byHost, key).add(r);
  }

  /** Drops a message from memory without touching recipient states (shutdown, quarantine). */
  forget(mid: number): void {
    const m = this.messages.get(mid);
    if (!m) return;
    let anyPending = false;
    for (const r of m.recipients) {
      if (r.state === 'active') this.active--;
      if (!FINAL_STATES.has(r.state)) {
        this.unindexPending(r);
        anyPending = true;
      }
    }
    if (anyPending) this.pendingMessages--;
    this.messages.delete(mid);
  }

  toIndex(m: QueuedMessage): IndexedRecipient[] {
    return m.recipients.map((r) => ({
      rid: r.rid,
      state: r.state,
      attempts: r.attempts,
      next: r.nextAttemptAt,
      host: r.lastHost,
      last: r.lastAttemptAt,
      warned: r.delayWarned || undefined,
      err: r.lastError,
    }));
  }

  /** Every message's index entry, made as it is read (the state file streams them). */
  *indexEntries(): Generator<[number, IndexedRecipient[]]> {
    for (const m of this.messages.values()) yield [m.mid, this.toIndex(m)];
  }

  private indexPending(r: QueuedRecipient): void {
    this.pending++;
    setOf(this.byDomain, r.domain).add(r);
    if (r.lastHost !== undefined) setOf(this.byHost, r.lastHost).add(r);
  }

  private unindexPending(r: QueuedRecipient): void {
    this.pending--;
    deleteFrom(this.byDomain, r.domain, r);
    if (r.lastHost !== undefined) deleteFrom(this.byHost, r.lastHost, r);
  }
}

function setOf<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let s = map.get(key);
  if (!s) {
    s = new Set();
    map.set(key, s);
  }
  return s;
}

function deleteFrom<K, V>(map: Map<K, Set<V>>, key: K, v: V): void {
  const s = map.get(key);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) map.delete(key);
}
