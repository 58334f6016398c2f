/**
 * ipc-client: the RelayClient inside the Electron window, over `window.relaywatch` (the preload's
 * named methods and `onEvent`), turning whatever crosses the bridge as an error into a ControlError.
 */
import type { EventEnvelope, StreamItem } from '../../../common/events.js';
import { CONTROL_METHODS, type ControlApi } from '../../../common/operations.js';
import { ControlError, SeqGate, type RelayClient, type SubscribeHooks } from './relay-client.js';

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
  onEvent(cb: (item: StreamItem) => void, since?: number): (() => void) | void;
  onNavigate?(cb: (m: NavigateRequest) => void): (() => void) | void;
};

export function ipcBridge(w: unknown): PreloadBridge | undefined {
  const b = (w as { relaywatch?: Partial<PreloadBridge> } | undefined)?.relaywatch;
  if (!b || typeof b.onEvent !== 'function') return undefined;
  return CONTROL_METHODS.every((m) => typeof b[m] === 'function') ? (b as PreloadBridge) : undefined;
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
      // a resync item when it no longer can.
      const gate = new SeqGate(lastSeq);
      const off = bridge.onEvent((item) => {
        if (item.type === 'resync') {
          gate.resync(item.seq);
          hooks.onResync?.();
        } else if (gate.admit(item.seq)) onEvent(item);
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
  for (const m of CONTROL_METHODS) {
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
