/**
 * configured-destinations: every destination named in the config's routes,
 * as routing Destinations, so hosts/ can list and probe them before any mail.
 *
 * Owns: turning route config into Destinations (key `host:port` as configured,
 * the password read from its `passEnv` variable). Does not own: checking that
 * the variable exists (route-resolver's checkRouteSecrets does, at start).
 * Raises: nothing.
 */
import type { RelayConfig } from '../config/config-schema.js';
import type { Destination } from './routing-types.js';

/** Every destination named in the config, for tophosts and probing before any mail. */
export function configuredDestinations(c: RelayConfig, env: NodeJS.ProcessEnv): Destination[] {
  const out: Destination[] = [];
  for (const r of c.routes) {
    for (const d of r.destinations) {
      out.push({
        key: `${d.host}:${d.port}`,
        host: d.host,
        port: d.port,
        priority: d.priority,
        tls: d.tls,
        auth: d.auth ? { user: d.auth.user, pass: env[d.auth.passEnv] ?? '' } : undefined,
        name: d.name,
        configured: true,
      });
    }
  }
  return out;
}

