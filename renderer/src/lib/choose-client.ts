/**
 * choose-client: picks the transport once, at start.
 *
 * Owns: the rule "inside Electron (a preload bridge exists) use IPC, otherwise
 * HTTP with the token from the URL fragment or this tab's session".
 * Does not own: either transport.
 * Raises: nothing; no token is reported as `{ missing: 'token' }` so the page
 * can say how to open the dashboard properly.
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
