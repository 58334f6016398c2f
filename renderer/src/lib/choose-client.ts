/**
 * choose-client: picks the transport once, at start: IPC inside Electron (a preload bridge
 * exists), otherwise HTTP with the token from the URL fragment or this tab's session.
 */
import { createHttpClient } from './http-client.js';
import { createIpcClient, ipcBridge } from './ipc-client.js';
import type { RelayClient } from './relay-client.js';
import { takeToken } from './token.js';

export type ClientChoice = { client: RelayClient } | { missing: 'token' };

export function chooseClient(w: Window): ClientChoice {
  const bridge = ipcBridge(w);
  if (bridge) return { client: createIpcClient(bridge) };
  const token = takeToken({ location: w.location, history: w.history, storage: w.sessionStorage });
  if (!token) return { missing: 'token' };
  const baseUrl = new URL('./', w.location.href).toString();
  return { client: createHttpClient({ token, baseUrl }) };
}

/** Calls `onClient` once, when a `#token=…` added to this page's address yields a client; returns a cancel function.
 *  A fragment change does not reload the page, so nothing else would notice the token. */
export function whenTokenArrives(w: Window, onClient: (choice: { client: RelayClient }) => void): () => void {
  const onHash = (): void => {
    const next = chooseClient(w);
    if (!('client' in next)) return;
    w.removeEventListener('hashchange', onHash);
    onClient(next);
  };
  w.addEventListener('hashchange', onHash);
  return () => w.removeEventListener('hashchange', onHash);
}
