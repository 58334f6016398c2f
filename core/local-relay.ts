/**
 * local-relay: the core's surface for a client on this machine (the CLI):
 * the default data dir, where that dir's running relay can be reached
 * (relay.json and control.token, which the relay writes; read only), and the
 * data dir's device accounts (`relaywatch user`, with or without a relay running),
 * and whether a relay holds the data dir (the desktop app's service handover).
 */
import { realpath } from 'node:fs/promises';
import { lockAddress, probe } from './data-dir-lock.js';
import { defaultDataDir, layout, pidAlive, readRuntimeInfo } from './data-dir.js';
import { RelayError } from './errors/relay-error.js';
import { readToken } from './server/control-token.js';
import { hostPort } from './server/request-guard.js';

export { defaultDataDir };
export { STOP_DEADLINE_MS } from './relay-types.js';
export { AccountStore, type AccountView } from './accounts/account-store.js';
export { TokenStore, type TokenView } from './server/token-store.js';

export interface LocalRelay {
  /** The data dir, resolved. */
  root: string;
  pid: number;
  /** The control API, e.g. http://127.0.0.1:8025/ (https:// with control.tls) */
  baseUrl: string;
  token: string;
  /** With control.tls: the certificate's SHA-256 fingerprint, to pin. */
  fingerprint256?: string;
}

/**
 * The running relay of `dataDir`, or undefined when none runs (no relay.json,
 * or its PID is gone). Raises RelayError EARGS when the files exist but cannot
 * be used (the relay runs without a control API, or the token is unreadable).
 */
export async function findLocalRelay(dataDir: string): Promise<LocalRelay | undefined> {
  const l = layout(dataDir);
  const info = await readRuntimeInfo(l);
  // relay.json outlives a relay that was killed (SIGKILL, power loss): its
  // PID tells. A PID reused by another program is caught later, when nothing
  // answers on the port (the CLI maps ECONNECTION to the same message).
  if (!info || !Number.isInteger(info.pid) || !pidAlive(info.pid)) return undefined;
  if (!info.control) {
    throw new RelayError({ code: 'EARGS', message: `the relay for data dir ${l.root} (PID ${info.pid}) runs without a control API`, temporary: false });
  }
  const token = await readToken(l.token);
  const fp = info.control.fingerprint256;
  const scheme = fp ? 'https' : 'http';
  return { root: l.root, pid: info.pid, baseUrl: `${scheme}://${hostPort(info.control.host, info.control.port)}/`, token, ...(fp ? { fingerprint256: fp } : {}) };
}

/** The resolved path of a data dir, as the relay names it in its messages. */
export const resolveDataDir = (dataDir: string): string => layout(dataDir).root;

/**
 * True while a relay holds `dataDir`'s lock (core/data-dir-lock.ts): the lock,
 * not relay.json, because a relay that was just stopped may have left its
 * file behind, and one that is starting may not have written it yet.
 */
export async function dataDirInUse(dataDir: string): Promise<boolean> {
  let real: string;
  try {
    real = await realpath(layout(dataDir).root);
  } catch {
    return false; // no folder: nobody holds it
  }
  return (await probe(await lockAddress(real)).catch(() => ({ kind: 'gone' as const }))).kind === 'live';
}
