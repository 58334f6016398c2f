/**
 * graph-probe: is a Graph destination's endpoint answering again? One HTTPS
 * request to graphUrl: any HTTP answer (Graph answers 4xx to a bare GET) means
 * it is reachable and TLS verified, as delivery needs. It sends nothing and
 * uses no token: a refused credential is not a Down host.
 * Raises: RelayError ECONNECTION / ETIMEDOUT when it does not answer.
 */
import { RelayError } from '../errors/relay-error.js';
import type { Destination } from '../routing/routing-types.js';

export function createGraphProbe(opts: { timeoutMs: number }) {
  return async (dest: Destination): Promise<void> => {
    const url = `${dest.graph!.graphUrl}/v1.0/`;
    try {
      const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(opts.timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
    } catch (e) {
      const timedOut = (e as Error).name === 'TimeoutError';
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new RelayError({
        code: timedOut ? 'ETIMEDOUT' : 'ECONNECTION',
        message: `probe of ${dest.key} (${url}) failed: ${timedOut ? 'no answer in time' : (cause?.code ?? cause?.message ?? (e as Error).message)}`,
        temporary: true,
        cause: e,
      });
    }
  };
}
