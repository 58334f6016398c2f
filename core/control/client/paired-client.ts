/**
 * paired-client: the watching side of `relaywatch pair`: a control client
 * from a connection code, over HTTPS pinned to the code's certificate
 * fingerprint (a wrong certificate is refused before the token is sent).
 * Raises RelayError EARGS, in words, for a code that does not decode.
 */
import { decodePairingCode } from '../../../common/pairing-code.js';
import { RelayError } from '../../errors/relay-error.js';
import { createControlClient, type ControlClient } from './client.js';
import { pinnedFetch } from './pinned-fetch.js';

export function pairedClient(code: string, opts: { signal?: AbortSignal } = {}): ControlClient {
  const c = decodePairingCode(code);
  if (c instanceof Error) throw new RelayError({ code: 'EARGS', message: c.message, temporary: false });
  return createControlClient({ baseUrl: c.url, token: c.token, fetch: pinnedFetch(c.fingerprint256), ...(opts.signal ? { signal: opts.signal } : {}) });
}
