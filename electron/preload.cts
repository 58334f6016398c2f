/**
 * preload: the window's only door to the main process: `window.relaywatch`, one named method per
 * control operation plus onEvent, onNavigate and the desktop settings; never raw ipcRenderer. Runs
 * sandboxed, so it may require 'electron' only: everything else it knows is a type (checked by tsc).
 */
// verbatimModuleSyntax: a CommonJS file says require() in TypeScript's own words.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload is CommonJS
import electron = require('electron');
import type { StreamItem } from '../common/events.js';
import type { ControlMethod } from '../common/operations.js';
import type { DesktopSettings } from './desktop-settings.js';
import type { RelayInfo } from './relay-set.js';
import type { CONTROL_CHANNEL_PREFIX, EventMessage, IPC, IpcReply, NavigateMessage } from './ipc-channels.js';

const { contextBridge, ipcRenderer } = electron;

const CHANNELS: typeof IPC = {
  subscribe: 'relaywatch:events:subscribe',
  unsubscribe: 'relaywatch:events:unsubscribe',
  event: 'relaywatch:events:event',
  settingsGet: 'relaywatch:desktop:settings-get',
  settingsSet: 'relaywatch:desktop:settings-set',
  navigate: 'relaywatch:desktop:navigate',
  relaysList: 'relaywatch:relays:list',
  relaysWatch: 'relaywatch:relays:watch',
  relaysUnwatch: 'relaywatch:relays:unwatch',
  relaysSelect: 'relaywatch:relays:select',
  relaysChanged: 'relaywatch:relays:changed',
};
const PREFIX: typeof CONTROL_CHANNEL_PREFIX = 'relaywatch:control:';

async function invoke(channel: string, arg?: unknown): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(channel, arg)) as IpcReply;
  if (reply.ok) return reply.value;
  throw { error: reply.error };
}

/**
 * The operations, as a value: common/operations.ts cannot be required here, so
 * the names are repeated, and `satisfies` fails the build when one is missing or extra.
 */
const METHODS = {
  status: true,
  tophosts: true,
  hoststatus: true,
  showrecipients: true,
  oldmessage: true,
  retryall: true,
  delivernow: true,
  retry: true,
  suspend: true,
  resume: true,
  deleterecipients: true,
  bouncerecipients: true,
  configGet: true,
  configSet: true,
  configFile: true,
  interfaces: true,
  logTail: true,
  testConnection: true,
  history: true,
  bounces: true,
  userList: true,
  userAdd: true,
  userPasswd: true,
  userRemove: true,
  certificateReplace: true,
  setSecret: true,
} as const satisfies Record<ControlMethod, true>;

// Each method passes its one argument on to main, which validates it: the
// window gets no channel of its choosing, only these names.
const api = Object.fromEntries(Object.keys(METHODS).map((method) => [method, (arg?: unknown) => invoke(PREFIX + method, arg)]));

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
  relaysList: () => invoke(CHANNELS.relaysList) as Promise<RelayInfo[]>,
  relaysWatch: (code: string, name?: string) => invoke(CHANNELS.relaysWatch, name ? { code, name } : { code }) as Promise<RelayInfo>,
  relaysUnwatch: (id: string) => invoke(CHANNELS.relaysUnwatch, { id }) as Promise<true>,
  relaysSelect: (id: string) => invoke(CHANNELS.relaysSelect, { id }) as Promise<true>,
  onRelaysChanged(callback: (list: RelayInfo[]) => void): () => void {
    const listener = (_e: unknown, list: RelayInfo[]): void => callback(list);
    ipcRenderer.on(CHANNELS.relaysChanged, listener);
    return () => ipcRenderer.removeListener(CHANNELS.relaysChanged, listener);
  },
});
