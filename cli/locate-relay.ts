/**
 * locate-relay: the control client for the running relay of a data dir, or
 * RelayNotRunning (a RelayError ECONNECTION with the one-line "start it with"
 * hint). Reading relay.json and the token is the core's (core/local-relay.ts).
 */
import { findLocalRelay, resolveDataDir } from '../core/local-relay.js';
import { RelayError } from '../core/errors/relay-error.js';
import { createControlClient, type ControlClient } from '../core/control/client/client.js';
import { pinnedFetch } from '../core/control/client/pinned-fetch.js';

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

export async function locateRelay(dataDir: string, opts: { signal?: AbortSignal } = {}): Promise<{ client: ControlClient }> {
  const relay = await findLocalRelay(dataDir);
  if (!relay) throw new RelayNotRunning(resolveDataDir(dataDir));
  // With control.tls the relay's certificate is pinned by the fingerprint it published in relay.json.
  const fetch = relay.fingerprint256 ? pinnedFetch(relay.fingerprint256) : undefined;
  return { client: createControlClient({ baseUrl: relay.baseUrl, token: relay.token, ...(opts.signal ? { signal: opts.signal } : {}), ...(fetch ? { fetch } : {}) }) };
}
