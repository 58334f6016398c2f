/**
 * locate-relay: finds the running relay of a data dir for the CLI.
 *
 * Owns: reading `<data-dir>/relay.json` (where the relay's control API
 * listens; written at start, removed at a clean stop) and `control.token`,
 * telling a relay that is not running (no relay.json, or its PID is gone after
 * a crash) from one that is, and the one-line "not running" message.
 * Does not own: HTTP (client.ts).
 * Raises: RelayNotRunning (a RelayError ECONNECTION) when there is no relay;
 * RelayError EARGS when the files exist but cannot be used.
 */
import { layout, pidAlive, readRuntimeInfo, type RuntimeInfo } from '../data-dir.js';
import { RelayError } from '../errors/relay-error.js';
import { readToken } from '../server/control-token.js';
import { hostPort } from '../server/request-guard.js';
import { createControlClient, type ControlClient } from './client.js';

export class RelayNotRunning extends RelayError {
  constructor(readonly dataDir: string) {
    super({
      code: 'ECONNECTION',
      message: `no relay running for data dir ${dataDir} (start it with: relaywatch serve --data-dir ${dataDir})`,
      temporary: true,
    });
    this.name = 'RelayNotRunning';
  }
}

export interface LocatedRelay {
  info: RuntimeInfo;
  client: ControlClient;
}


export async function locateRelay(dataDir: string, opts: { signal?: AbortSignal } = {}): Promise<LocatedRelay> {
  const l = layout(dataDir);
  const info = await readRuntimeInfo(l);
  // relay.json outlives a relay that was killed (SIGKILL, power loss): its
  // PID tells. A PID reused by another program is caught later, when nothing
  // answers on the port (the caller maps ECONNECTION to the same message).
  if (!info || !Number.isInteger(info.pid) || !pidAlive(info.pid)) throw new RelayNotRunning(l.root);
  if (!info.control) {
    throw new RelayError({ code: 'EARGS', message: `the relay for data dir ${l.root} (PID ${info.pid}) runs without a control API`, temporary: false });
  }
  const token = await readToken(l.token);
  const baseUrl = `http://${hostPort(info.control.host, info.control.port)}/`;
  return { info, client: createControlClient({ baseUrl, token, ...(opts.signal ? { signal: opts.signal } : {}) }) };
}
