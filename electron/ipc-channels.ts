/**
 * ipc-channels: every IPC channel name between the main process and the
 * window, in one place (after Electron Fiddle's src/ipc-events.ts).
 *
 * Owns: the names, and the shape of what travels on them (the reply envelope,
 * the event message, the navigation request).
 * Does not own: the handlers (ipc-handlers.ts) or the renderer's side
 * (preload.cts, which cannot import this file at run time — a sandboxed
 * preload may only require('electron') — so it repeats the literals with a
 * type annotation that makes the compiler reject any drift).
 * Raises: nothing.
 */
import type { ControlErrorBody, ControlMethod, EventEnvelope } from '../core/control/contract.js';

/** One invoke channel per control operation: `relaywatch:control:<method>`. */
export const CONTROL_CHANNEL_PREFIX = 'relaywatch:control:' as const;

export const IPC = {
  /** invoke `{ since?: number }` → `{ subscription: number, complete: boolean }`. */
  subscribe: 'relaywatch:events:subscribe',
  /** invoke `{ subscription: number }` → `true`. */
  unsubscribe: 'relaywatch:events:unsubscribe',
  /** main → window: `EventMessage`. */
  event: 'relaywatch:events:event',
  /** invoke, no argument → `DesktopSettings`. */
  settingsGet: 'relaywatch:desktop:settings-get',
  /** invoke `{ settings: DesktopSettings }` → the saved `DesktopSettings`. */
  settingsSet: 'relaywatch:desktop:settings-set',
  /** main → window: `NavigateMessage` (a notification or the tray asks for a view). */
  navigate: 'relaywatch:desktop:navigate',
} as const;

export type IpcChannel = (typeof IPC)[keyof typeof IPC] | `${typeof CONTROL_CHANNEL_PREFIX}${ControlMethod}`;

export function controlChannel(method: ControlMethod): `${typeof CONTROL_CHANNEL_PREFIX}${ControlMethod}` {
  return `${CONTROL_CHANNEL_PREFIX}${method}`;
}

/**
 * Every invoke answers with an envelope rather than a rejection: Electron
 * flattens a rejected handler into "Error invoking remote method …" and drops
 * the code and field the Settings form needs beside its inputs.
 */
export type IpcReply<T = unknown> = { ok: true; value: T } | ({ ok: false } & ControlErrorBody);

export interface EventMessage {
  subscription: number;
  /** An event, or `resync`: the replay could not go back far enough; refetch state. */
  envelope: EventEnvelope | { type: 'resync'; seq: number };
}

export interface NavigateMessage {
  view: 'overview' | 'hosts' | 'queue' | 'log';
  host?: string;
}
