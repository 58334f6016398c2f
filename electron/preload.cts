/**
 * preload: the window's only door to the main process, run sandboxed with
 * contextIsolation (so a CommonJS file whose one import is 'electron': a
 * sandboxed preload can require nothing else).
 *
 * Owns: `window.relaywatch` — one named method per operation of the control
 * contract (ControlApi), `onEvent(callback, since?)` for the event stream
 * (replayed from `since`; a `{ type: 'resync' }` item means "refetch your
 * state"), `onNavigate(callback)` for notification clicks, and
 * `desktopSettingsGet()` / `desktopSettingsSet(settings)`. Never raw
 * ipcRenderer, never the IPC event object (its `sender` is ipcRenderer).
 * Failed calls reject with the contract's error body
 * `{ error: { code, message, field? } }`, as the HTTP API answers.
 * Does not own: validation (main checks the sender and every argument:
 * ipc-handlers.ts) or channel names (ipc-channels.ts; repeated here with a
 * type that makes the compiler reject any drift).
 * Raises: rejections as above.
 */
// verbatimModuleSyntax: a CommonJS file says require() in TypeScript's own words.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload is CommonJS
import electron = require('electron');
import type { ControlApi, ControlMethod, EventEnvelope } from '../core/control/contract.js';
import type { DesktopSettings } from './desktop-settings.js';
import type { CONTROL_CHANNEL_PREFIX, EventMessage, IPC, IpcReply, NavigateMessage } from './ipc-channels.js';

const { contextBridge, ipcRenderer } = electron;

const CHANNELS: typeof IPC = {
  subscribe: 'relaywatch:events:subscribe',
  unsubscribe: 'relaywatch:events:unsubscribe',
  event: 'relaywatch:events:event',
  settingsGet: 'relaywatch:desktop:settings-get',
  settingsSet: 'relaywatch:desktop:settings-set',
  navigate: 'relaywatch:desktop:navigate',
};
const PREFIX: typeof CONTROL_CHANNEL_PREFIX = 'relaywatch:control:';

async function invoke(channel: string, arg?: unknown): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(channel, arg)) as IpcReply;
  if (reply.ok) return reply.value;
  throw { error: reply.error };
}

function control<M extends ControlMethod>(method: M, arg?: unknown): ReturnType<ControlApi[M]> {
  return invoke(PREFIX + method, arg) as ReturnType<ControlApi[M]>;
}

// Written out one by one: the ControlApi type makes a missing or extra operation a compile error.
const api: ControlApi = {
  status: () => control('status'),
  tophosts: (q) => control('tophosts', q),
  hoststatus: (q) => control('hoststatus', q),
  showrecipients: (q) => control('showrecipients', q),
  retryall: () => control('retryall'),
  delivernow: (q) => control('delivernow', q),
  retry: (q) => control('retry', q),
  suspend: (q) => control('suspend', q),
  resume: (q) => control('resume', q),
  deleterecipients: (q) => control('deleterecipients', q),
  bouncerecipients: (q) => control('bouncerecipients', q),
  configGet: () => control('configGet'),
  configSet: (q) => control('configSet', q),
  logTail: (q) => control('logTail', q),
  testConnection: (q) => control('testConnection', q),
  history: () => control('history'),
};

export type StreamItem = EventEnvelope | { type: 'resync'; seq: number };

let nextSubscription = 1;

function onEvent(callback: (item: StreamItem) => void, since?: number): () => void {
  const subscription = nextSubscription++;
  const listener = (_e: unknown, m: EventMessage): void => {
    if (m.subscription === subscription) callback(m.envelope);
  };
  ipcRenderer.on(CHANNELS.event, listener);
  invoke(CHANNELS.subscribe, since === undefined ? { subscription } : { subscription, since }).catch((e: unknown) => {
    ipcRenderer.removeListener(CHANNELS.event, listener);
    console.error('relaywatch: event subscription refused', e);
  });
  return () => {
    ipcRenderer.removeListener(CHANNELS.event, listener);
    invoke(CHANNELS.unsubscribe, { subscription }).catch((e: unknown) => console.error('relaywatch: unsubscribe failed', e));
  };
}

function onNavigate(callback: (m: NavigateMessage) => void): () => void {
  const listener = (_e: unknown, m: NavigateMessage): void => callback({ view: m.view, ...(m.host ? { host: m.host } : {}) });
  ipcRenderer.on(CHANNELS.navigate, listener);
  return () => ipcRenderer.removeListener(CHANNELS.navigate, listener);
}

contextBridge.exposeInMainWorld('relaywatch', {
  ...api,
  onEvent,
  onNavigate,
  desktopSettingsGet: () => invoke(CHANNELS.settingsGet) as Promise<DesktopSettings>,
  desktopSettingsSet: (settings: DesktopSettings) => invoke(CHANNELS.settingsSet, { settings }) as Promise<DesktopSettings>,
});
