/**
 * configured-destinations: every destination named in the config's routes, as
 * Destinations (key `host:port` or `graph:{mailbox}`, password from its `passEnv` variable or an OAuth2 token source), so hosts/
 * can list and probe them before any mail.
 */
import { isGraphDestination, type RelayConfig } from '../config/config-schema.js';
import { destinationLogin } from './destination-auth.js';
import { graphDestination } from './graph-destination.js';
import type { Destination } from './routing-types.js';

/** Every destination named in the config, for tophosts and probing before any mail. */
export function configuredDestinations(c: RelayConfig, env: NodeJS.ProcessEnv): Destination[] {
  const out: Destination[] = [];
  for (const r of c.routes) {
    for (const d of r.destinations) {
      if (isGraphDestination(d)) {
        out.push(graphDestination(d, env));
        continue;
      }
      out.push({
        key: `${d.host}:${d.port}`,
        host: d.host,
        port: d.port,
        priority: d.priority,
        tls: d.tls,
        auth: d.auth ? destinationLogin(d.auth, env) : undefined,
        name: d.name,
        configured: true,
      });
    }
  }
  return out;
}

