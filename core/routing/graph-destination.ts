/**
 * graph-destination: a configured Graph destination as the Destination that
 * hosts/ and delivery/ use: key `graph:{mailbox}`, host and port of graphUrl,
 * and the OAuth2 credential (scope graphUrl's `/.default`) with its shared token source.
 */
import type { GraphDestinationConfig } from '../config/config-schema.js';
import type { OAuthCredential } from '../oauth/oauth-credential.js';
import { tokenSourceFor } from '../oauth/token-client.js';
import type { Destination } from './routing-types.js';

export function graphDestination(d: GraphDestinationConfig, env: NodeJS.ProcessEnv): Destination {
  const url = new URL(d.graphUrl);
  const credential: OAuthCredential = {
    tenant: d.tenant,
    clientId: d.clientId,
    clientSecretEnv: d.clientSecretEnv,
    certificateFile: d.certificateFile,
    privateKeyFile: d.privateKeyFile,
    tokenUrl: d.tokenUrl,
    // A token is for one resource: the Graph host the mail goes to
    // (national clouds have their own, e.g. graph.microsoft.us).
    scope: `${url.origin}/.default`,
  };
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
      credential,
      tokens: tokenSourceFor(credential, { env }),
    },
  };
}
