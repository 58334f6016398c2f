/**
 * ipc-client: the RelayClient inside the Electron window.
 *
 * Owns: adapting `window.relaywatch` (exposed by electron/preload.cts through
 * contextBridge: one named method per control operation, `onEvent(cb, since)`
 * whose stream may carry `{ type: 'resync' }`, and `onNavigate`) to
 * RelayClient, and turning whatever crosses the bridge as an error into a
 * ControlError. The preload rejects with the contract's ControlErrorBody; an
 * Error whose message is `CODE: text` (Electron's own wrapping) is understood
 * too.
 * Does not own: the preload itself (electron/preload.ts).
 * Raises: ControlError from every operation.
 */
import type { ControlApi, EventEnvelope } from '../../../core/control/contract.js';
import { ControlError, METHODS, type RelayClient, type SubscribeHooks } from './relay-client.js';

/** One item of the preload's event stream: an event, or "refetch your state". */
export type BridgeItem = EventEnvelope | { type: 'resync'; seq: number };

/** A request from the desktop shell (a notification or the tray) to show a view. */
export interface NavigateRequest {
  view: string;
  host?: string;
}

/** What the preload (electron/preload.cts) exposes as `window.relaywatch`. */
export type PreloadBridge = {
  [K in keyof ControlApi]: (arg?: unknown) => Promise<unknown>;
} & {
  /** Replays from `since` when given; returns the unsubscribe function. */
  onEvent(cb: (item: BridgeItem) => void, since?: number): (() => void) | void;
  onNavigate?(cb: (m: NavigateRequest) => void): (() => void) | void;
};

export function ipcBridge(w: unknown): PreloadBridge | undefined {
  const b = (w as { relaywatch?: Partial<PreloadBridge> } | undefined)?.relaywatch;
  if (!b || typeof b.onEvent !== 'function') return undefined;
  return METHODS.every((m) => typeof b[m] === 'function') ? (b as PreloadBridge) : undefined;
}

export function fromIpcError(e: unknown): ControlError {
  if (e instanceof ControlError) return e;
  if (e && typeof e === 'object' && 'error' in e) return ControlError.from(e);
  const message = e instanceof Error ? e.message : String(e);
  // Electron prefixes rejected invoke() errors with "Error invoking remote method '...': ".
  const bare = message.replace(/^Error invoking remote method '[^']*': (?:Error: )?/, '');
  const m = /^([A-Z][A-Z0-9_]{2,}): ([\s\S]*)$/.exec(bare);
  if (m) return new ControlError(m[1]!, m[2]!);
  return new ControlError('EIPC', bare || 'the desktop app did not answer');
}

export function createIpcClient(bridge: PreloadBridge): RelayClient {
  const client = {
    transport: 'ipc',
    subscribe(onEvent: (e: EventEnvelope) => void, lastSeq?: number, hooks: SubscribeHooks = {}) {
      // The main process replays from `since` out of the hub's ring, or sends
      // a resync item when it no longer can; older events are dropped here.
      let last = lastSeq ?? 0;
      const off = bridge.onEvent((item) => {
        if (item.type === 'resync') {
          last = item.seq;
          hooks.onResync?.();
          return;
        }
        const e = item as EventEnvelope;
        if (e.seq > 0 && e.seq <= last) return;
        if (e.seq > 0) last = e.seq;
        onEvent(e);
      }, lastSeq);
      hooks.onConnection?.('open');
      return () => {
        if (typeof off === 'function') off();
        hooks.onConnection?.('closed');
      };
    },
  } as Partial<Record<keyof ControlApi, unknown>> & Pick<RelayClient, 'transport' | 'subscribe' | 'onNavigate'>;
  if (typeof bridge.onNavigate === 'function') {
    client.onNavigate = (cb) => {
      const off = bridge.onNavigate!(cb);
      return () => {
        if (typeof off === 'function') off();
      };
    };
  }
  for (const m of METHODS) {
    client[m] = async (arg?: unknown) => {
      try {
        return await bridge[m](arg);
      } catch (e) {
        throw fromIpcError(e);
      }
    };
  }
  return client as RelayClient;
}
