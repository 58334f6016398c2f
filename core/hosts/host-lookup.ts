/**
 * host-lookup: the destination an operator means by HOST, which may be
 * `host:port` as configured or the destination's name ("Exchange").
 *
 * Owns: that matching rule, for every command that takes HOST. The key wins
 * over a name (a name can never hide a configured host:port), and names match
 * without case, as config-schema.ts keeps them unique that way.
 * Raises: nothing; undefined when no host matches.
 */
import type { HostRegistry, HostState } from './host-registry.js';

export function findHost(hosts: Pick<HostRegistry, 'get' | 'all'>, arg: string): HostState | undefined {
  const byKey = hosts.get(arg);
  if (byKey) return byKey;
  const name = arg.trim().toLowerCase();
  if (!name) return undefined;
  return hosts.all().find((h) => h.destination?.name?.toLowerCase() === name);
}

/** The `host:port` key HOST names; HOST itself when nothing matches (a filter then simply matches nothing). */
export function hostKeyOf(hosts: Pick<HostRegistry, 'get' | 'all'>, arg: string): string {
  return findHost(hosts, arg)?.key ?? arg;
}

/** "Exchange (10.1.1.5:25)", or the key alone for a host without a name: for messages and logs. */
export function hostLabel(h: Pick<HostState, 'key' | 'destination'>): string {
  const name = h.destination?.name;
  return name ? `${name} (${h.key})` : h.key;
}
