/**
 * relay-client: the one interface through which the dashboard reaches the core.
 *
 * Owns: the RelayClient type (every operation of the control contract plus an
 * event subscription), the list of operation names as a value (the renderer
 * may only `import type` from the contract, so the list is repeated here and
 * checked against the contract at compile time), and ControlError, the one
 * error shape every transport throws.
 * Does not own: transports (http-client.ts, ipc-client.ts) or state (state/).
 * Raises: ControlError (from transports), never anything else.
 */
import type { ControlApi, ControlErrorBody, ControlMethod, EventEnvelope } from '../../../core/control/contract.js';

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
  /** The desktop shell asks for a view (a notification was clicked); absent in a browser. */
  onNavigate?(cb: (m: { view: string; host?: string }) => void): () => void;
}

/** Every operation name, as a value; `satisfies` plus the tuple check keep it equal to the contract's. */
export const METHODS = [
  'status',
  'tophosts',
  'hoststatus',
  'showrecipients',
  'retryall',
  'delivernow',
  'retry',
  'suspend',
  'resume',
  'deleterecipients',
  'bouncerecipients',
  'configGet',
  'configSet',
  'logTail',
  'testConnection',
  'history',
] as const satisfies readonly ControlMethod[];

// Compile-time proof that no contract method is missing from METHODS.
type Missing = Exclude<ControlMethod, (typeof METHODS)[number]>;
const _complete: Missing extends never ? true : never = true;
void _complete;

/** Codes the transports add to the core's own (RelayError codes such as EARGS, ECONFIG). */
export type TransportCode = 'ENETWORK' | 'EUNAUTHORIZED' | 'EFORBIDDEN' | 'EHTTP' | 'EBADREPLY';

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
