/**
 * ipc-channels: every IPC channel name between the main process and the window
 * (after Electron Fiddle's src/ipc-events.ts), and what travels on them. The
 * sandboxed preload cannot import this file: it repeats the literals under types that reject drift.
 */
import type { ControlErrorBody } from '../common/contract.js';
import type { StreamItem } from '../common/events.js';
import type { ControlMethod } from '../common/operations.js';

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
  /** invoke, no argument → `RelayInfo[]` (the watched relays; never a token). */
  relaysList: 'relaywatch:relays:list',
  /** invoke `{ code: string, name?: string }` → the new `RelayInfo`. */
  relaysWatch: 'relaywatch:relays:watch',
  /** invoke `{ id: string }` → `true`. */
  relaysUnwatch: 'relaywatch:relays:unwatch',
  /** invoke `{ id: string }` → `true`; control calls go to that relay from then on. */
  relaysSelect: 'relaywatch:relays:select',
  /** main → window: `RelayInfo[]` whenever a relay is added, removed, selected or its link changes. */
  relaysChanged: 'relaywatch:relays:changed',
} as const;

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
  envelope: StreamItem;
}

export interface NavigateMessage {
  view: 'overview' | 'hosts' | 'queue' | 'log' | 'bounces';
  host?: string;
}
