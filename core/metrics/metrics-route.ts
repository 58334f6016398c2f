/**
 * metrics-route: GET /metrics on the control port (DESIGN.md "Contract
 * additions"): the Prometheus text, for a request with the control token or
 * from a client address in `metrics.allowNetworks`; 401 otherwise. The Host
 * and Origin checks of every control request (server/request-guard.ts) have
 * run before this is reached.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RelayAccessPolicy } from '../inbound/access-policy.js';
import { sendError } from '../server/http-reply.js';
import { CONTENT_TYPE } from './prometheus-text.js';
import type { RelayMetrics } from './relay-metrics.js';

export type MetricsHandler = (req: IncomingMessage, res: ServerResponse, tokenOk: boolean) => Promise<void>;

export function metricsRoute(metrics: Pick<RelayMetrics, 'render'>, allowNetworks: readonly string[]): MetricsHandler {
  const allowed = allowNetworks.length ? new RelayAccessPolicy(allowNetworks) : undefined;
  return async (req, res, tokenOk) => {
    const client = req.socket.remoteAddress ?? '';
    if (!tokenOk && allowed?.match(client) === undefined) {
      return sendError(res, 401, { code: 'EUNAUTHORIZED', message: 'missing or wrong control token (or add this client to metrics.allowNetworks)' }, { 'www-authenticate': 'Bearer realm="relaywatch"' });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendError(res, 405, { code: 'EMETHOD', message: 'use GET for /metrics' }, { allow: 'GET, HEAD' });
    }
    const text = await metrics.render();
    res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
}
