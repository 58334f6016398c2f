/**
 * graph-destination: a configured Graph destination as the Destination that
 * hosts/ and delivery/ use: key `graph:{mailbox}`, host and port of graphUrl,
 * and the OAuth2 credential whose token scope is graphUrl's `/.default`.
 */
import type { GraphDestinationConfig } from '../config/config-schema.js';
import type { Destination } from './routing-types.js';

export function graphDestination(d: GraphDestinationConfig): Destination {
  const url = new URL(d.graphUrl);
  return {
    key: `graph:${d.mailbox.toLowerCase()}`,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
    priority: d.priority,
    tls: url.protocol === 'https:' ? 'required' : 'none',
    name: d.name,
    configured: true,
    graph: {
      mailbox: d.mailbox,
      graphUrl: d.graphUrl,
      credential: {
        tenant: d.tenant,
        clientId: d.clientId,
        clientSecretEnv: d.clientSecretEnv,
        certificateFile: d.certificateFile,
        privateKeyFile: d.privateKeyFile,
        tokenUrl: d.tokenUrl,
        // A token is for one resource: the Graph host the mail goes to
        // (national clouds have their own, e.g. graph.microsoft.us).
        scope: `${url.origin}/.default`,
      },
    },
  };
}
