/**
 * relay-client: the one interface through which the dashboard reaches the core (RelayClient, over
 * HTTP or IPC), the one error every transport throws (ControlError), and the seq gate both
 * transports put in front of their event stream.
 */
import type { Access, ControlErrorBody } from '../../../common/contract.js';
import type { EventEnvelope } from '../../../common/events.js';
import type { ControlApi } from '../../../common/operations.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface SubscribeHooks {
  /** The core could not replay what was missed: reload every piece of state. */
  onResync?(): void;
  /** Live connection state, for the "reconnecting…" banner. */
  onConnection?(state: ConnectionState): void;
}

export interface RelayClient extends ControlApi {
  /** Which transport this is, for the footer and for tests. */
  readonly transport: 'http' | 'ipc';
  /**
   * Delivers every event after `lastSeq` (when given) and then live ones, in
   * order. Returns the unsubscribe function.
   */
  subscribe(onEvent: (e: EventEnvelope) => void, lastSeq?: number, hooks?: SubscribeHooks): () => void;
  /**
   * What this page's token may do, from the relay's answers (common/contract.ts ACCESS_HEADER), each
   * time it changes; absent over IPC, where the desktop's relay list says it.
   */
  onAccess?(cb: (access: Access) => void): () => void;
  /** The desktop shell asks for a view (a notification was clicked); absent in a browser. */
  onNavigate?(cb: (m: { view: string; host?: string }) => void): () => void;
}

/**
 * One subscription's order: drops events already seen (a reconnect replays
 * from the last seq it asked for) and counts from where a resync says — even
 * lower, for the relay may have restarted with its seq back at 0.
 */
export class SeqGate {
  constructor(private seen = 0) {}

  /** The last seq passed on, to resume from. */
  get last(): number {
    return this.seen;
  }

  /** true: a new event, pass it on. Events without a seq (0) always pass. */
  admit(seq: number): boolean {
    if (seq <= 0) return true;
    if (seq <= this.seen) return false;
    this.seen = seq;
    return true;
  }

  resync(seq: number): void {
    this.seen = seq;
  }
}

export class ControlError extends Error {
  readonly code: string;
  /** Dotted/bracketed path of the offending field, e.g. `routes[0].destinations[1].port`. */
  readonly field: string | undefined;
  /** HTTP status when the transport is HTTP. */
  readonly status: number | undefined;

  constructor(code: string, message: string, opts: { field?: string | undefined; status?: number | undefined; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ControlError';
    this.code = code;
    this.field = opts.field;
    this.status = opts.status;
  }

  /** From a ControlErrorBody, or a best effort from anything else. */
  static from(body: unknown, status?: number): ControlError {
    const e = (body as Partial<ControlErrorBody> | null)?.error;
    if (e && typeof e.code === 'string' && typeof e.message === 'string') {
      return new ControlError(e.code, e.message, { field: typeof e.field === 'string' ? e.field : undefined, status });
    }
    return new ControlError('EBADREPLY', `unexpected reply from the relay${status ? ` (HTTP ${status})` : ''}`, { status });
  }
}

/** A thrown value as a ControlError (transports wrap everything they throw). */
export function asControlError(e: unknown): ControlError {
  if (e instanceof ControlError) return e;
  if (e && typeof e === 'object' && 'error' in e) return ControlError.from(e);
  const message = e instanceof Error ? e.message : String(e);
  return new ControlError('ENETWORK', message, { cause: e });
}
