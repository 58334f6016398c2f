/**
 * message-queue: the in-memory queue of messages and their recipients, and
 * the one owner of every recipient fact (state, attempts, next attempt, last
 * error, last host, delay warning, the operation that claimed it).
 *
 * Owns: intent-named changes (attempting, delivered, deferred, bounced,
 * deleted, requeued, retry, delayWarned): each emits one `outcome` event
 * carrying the operation it belongs to, which persistence, statistics, the
 * retry tracker and the live events subscribe to once. Also the indexes the
 * scheduler and the operator need (by MID, by host, by domain, counts), and
 * the "message is finished" rule (DESIGN.md: a message leaves the spool only
 * when every recipient is delivered, bounced with its NDR spooled, or deleted).
 * Does not own: timing (scheduler/), persistence (store/), the spool.
 * Raises: nothing; unknown MIDs are reported as undefined.
 */
import { EventEmitter } from 'node:events';
import type { SpooledMessage } from '../spool/spool-types.js';
import { internError, internString } from './intern.js';
import type { SerializedRelayError } from '../errors/relay-error.js';
import { FINAL_STATES, type IndexedRecipient, type QueuedMessage, type QueuedRecipient, type RecipientOutcome, type RecipientState, type WritableRecipient } from './queue-types.js';

export interface QueueEvents {
  /**
   * One event per change of a recipient, with the operation (retry) that
   * claimed it, if any. Positional arguments, no event object: this fires
   * for every recipient at 1,000 messages a second.
   */
  outcome: [r: QueuedRecipient, what: RecipientOutcome, operation: string | undefined];
  /** A message entered the queue (received, or an NDR). */
  added: [m: QueuedMessage];
  /** Every recipient of the message is final: the spool file may go. */
  finished: [m: QueuedMessage];
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

export class MessageQueue extends EventEmitter<QueueEvents> {
  private readonly messages = new Map<number, QueuedMessage>();
  /**
   * Pending (queued or active) recipients, and of them the active ones, counted
   * by the host they were last tried on. Counts, not sets of members: with
   * 100,000 recipients waiting for one host, a Set per host and one per domain
   * cost about 5 MB (issue 16); the members are found by a scan of the queue
   * (pendingForHost/pendingForDomain), which only operator actions and the
   * queue view need, while status and alerts need the counts many times a second.
   */
  private readonly pendingByHost = new Map<string, number>();
  private readonly activeByHost = new Map<string, number>();
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
        retry: undefined,
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
      user: env.user,
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
    this.emit('added', m);
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
    // Map iteration follows insertion order: commit order, nearly but not strictly MID order
    // (a MID is given at MAIL FROM, the message joins at its 250; start-up adds in MID order).
    return this.messages.values();
  }

  *pendingRecipientsIter(): Generator<QueuedRecipient> {
    for (const m of this.messages.values()) for (const r of m.recipients) if (!FINAL_STATES.has(r.state)) yield r;
  }

  /** Pending recipients last tried on (or first headed for) `key`, in MID order: a scan of the queue. */
  pendingForHost(key: string): QueuedRecipient[] {
    const out: QueuedRecipient[] = [];
    if (!this.pendingByHost.has(key)) return out;
    for (const r of this.pendingRecipientsIter()) if (r.lastHost === key) out.push(r);
    return out;
  }

  /** How many pending recipients belong to `key`, and how many of them are in an attempt now. O(1). */
  pendingCountForHost(key: string): { pending: number; active: number } {
    return { pending: this.pendingByHost.get(key) ?? 0, active: this.activeByHost.get(key) ?? 0 };
  }

  /** Pending recipients of a (lower-case) domain, in MID order: a scan of the queue. */
  pendingForDomain(domain: string): QueuedRecipient[] {
    const out: QueuedRecipient[] = [];
    for (const r of this.pendingRecipientsIter()) if (r.domain === domain) out.push(r);
    return out;
  }

  /** Oldest receivedAt among messages with pending recipients. */
  oldestPendingAt(): number | undefined {
    for (const m of this.messages.values()) {
      if (m.recipients.some((r) => !FINAL_STATES.has(r.state))) return m.receivedAt;
    }
    return undefined;
  }

  // --- the only ways a recipient changes -------------------------------------

  /** Handed to the delivery engine (or held for a probe); before its first try, `host` is its first choice. */
  attempting(recipient: QueuedRecipient, firstChoice: string | undefined): void {
    const r = recipient as WritableRecipient;
    if (r.lastHost === undefined && firstChoice !== undefined) this.moveHost(r, firstChoice);
    this.transition(r, 'active', 'attempting');
  }

  delivered(recipient: QueuedRecipient, host: string | undefined, at: number): void {
    const r = recipient as WritableRecipient;
    r.lastAttemptAt = at;
    if (host !== undefined) this.moveHost(r, host);
    r.lastError = undefined;
    this.transition(r, 'delivered', 'delivered');
  }

  /**
   * Back in the queue until `nextAt`. Only an attempt that reached a host
   * (`host` set) counts against maxRetries: waiting for a Down host does not
   * (ESA holds such mail without spending retries).
   */
  deferred(recipient: QueuedRecipient, error: SerializedRelayError, host: string | undefined, at: number, nextAt: number): void {
    const r = recipient as WritableRecipient;
    r.lastAttemptAt = at;
    if (host !== undefined) {
      this.moveHost(r, host);
      r.attempts++;
    }
    r.lastError = error;
    r.nextAttemptAt = nextAt;
    this.transition(r, 'queued', 'deferred');
  }

  /** Final failure; only bounce-service.ts calls this, once the NDR is spooled. */
  bounced(recipient: QueuedRecipient, error: SerializedRelayError, host: string | undefined, at: number): void {
    const r = recipient as WritableRecipient;
    r.lastAttemptAt = at;
    if (host !== undefined) this.moveHost(r, host);
    r.lastError = error;
    this.transition(r, 'bounced', 'bounced');
  }

  deleted(r: QueuedRecipient): void {
    this.transition(r as WritableRecipient, 'deleted', 'deleted');
  }

  /** Back to queued without it counting as a try (the relay stopped before the attempt got going). */
  requeued(r: QueuedRecipient): void {
    this.transition(r as WritableRecipient, 'queued', 'requeued');
  }

  /**
   * Due at `at` now (an operator retry, or a host back up). `operation`
   * claims the recipient: its next outcome event carries it. A claim keeps
   * the time it was due before, so a retry that cannot happen (its host is
   * still down) never moves the next attempt later.
   */
  retry(recipient: QueuedRecipient, at: number, operation: string | undefined): void {
    const r = recipient as WritableRecipient;
    // The first operation keeps its claim: it caused the attempt, and its
    // result must not wait forever for an outcome another operation took.
    if (operation !== undefined && r.retry === undefined) r.retry = { operation, previousAt: r.nextAttemptAt };
    r.nextAttemptAt = at;
    this.emit('outcome', r, 'due', r.retry?.operation);
  }

  delayWarned(recipient: QueuedRecipient): void {
    const r = recipient as WritableRecipient;
    r.delayWarned = true;
    this.emit('outcome', r, 'warned', r.retry?.operation);
  }

  private transition(r: WritableRecipient, state: RecipientState, what: RecipientOutcome): void {
    const from = r.state;
    const wasPending = !FINAL_STATES.has(from);
    const isPending = !FINAL_STATES.has(state);
    // Uncounted with the state it had, before the new one is set.
    if (wasPending && !isPending) this.unindexPending(r);
    else if (from === 'active' && r.lastHost !== undefined) bump(this.activeByHost, r.lastHost, -1);
    if (from === 'active') this.active--;
    r.state = state;
    if (state === 'active') {
      this.active++;
      if (r.lastHost !== undefined) bump(this.activeByHost, r.lastHost, 1);
    }
    // An outcome ends the operation's claim; starting an attempt does not.
    const claim = r.retry;
    if (claim !== undefined && what !== 'attempting') r.retry = undefined;
    this.emit('outcome', r, what, claim?.operation);
    if (wasPending && !isPending) {
      const m = this.messages.get(r.mid);
      if (m && m.recipients.every((x) => FINAL_STATES.has(x.state))) {
        this.pendingMessages--;
        this.messages.delete(m.mid);
        this.emit('finished', m);
      }
    }
  }

  /** Which host a pending recipient belongs to (last tried, or first choice). */
  private moveHost(r: WritableRecipient, key: string): void {
    if (r.lastHost === key) return;
    const pending = !FINAL_STATES.has(r.state);
    if (pending && r.lastHost !== undefined) this.countHost(r.lastHost, r.state === 'active', -1);
    r.lastHost = internString(key);
    if (pending) this.countHost(key, r.state === 'active', 1);
  }

  private countHost(key: string, active: boolean, by: 1 | -1): void {
    bump(this.pendingByHost, key, by);
    if (active) bump(this.activeByHost, key, by);
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
    if (r.lastHost !== undefined) this.countHost(r.lastHost, r.state === 'active', 1);
  }

  private unindexPending(r: QueuedRecipient): void {
    this.pending--;
    if (r.lastHost !== undefined) this.countHost(r.lastHost, r.state === 'active', -1);
  }
}

/** Adds `by` to a count, dropping the key at zero so the maps hold only hosts with mail. */
function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n === 0) map.delete(key);
  else map.set(key, n);
}
