/**
 * choose-client: picks the transport once, at start.
 *
 * Owns: the rule "inside Electron (a preload bridge exists) use IPC, otherwise
 * HTTP with the token from the URL fragment or this tab's session".
 * Does not own: either transport.
 * Raises: nothing; no token is reported as `{ missing: 'token' }` so the page
 * can say how to open the dashboard properly — and `whenTokenArrives` picks
 * the token up the moment the person adds `#token=…` to the address (a
 * fragment change does not reload the page, so nothing else would notice).
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

/** Calls `onClient` once, when a `#token=…` added to this page's address yields a client; returns a cancel function. */
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
