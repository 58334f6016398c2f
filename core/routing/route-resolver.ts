/**
 * route-resolver: a recipient domain → the destinations to try: configured
 * routes by priority, else the MX records; and checkRouteSecrets, which checks at
 * start that every `passEnv` / `clientSecretEnv` variable is set (ECONFIG naming the field).
 */
import { isGraphDestination, type RouteConfig } from '../config/config-schema.js';
import { RelayError } from '../errors/relay-error.js';
import { destinationLogin, secretProblem } from './destination-auth.js';
import { graphDestination } from './graph-destination.js';
import { MxResolver } from './mx-resolver.js';
import { RouteTable } from './route-table.js';
import type { Destination, DnsLookup, ResolvedRoute } from './routing-types.js';

export interface RouteResolverOptions {
  dns: DnsLookup;
  env: NodeJS.ProcessEnv;
  /** How long MX answers are cached (default 60 s). */
  mxCacheTtlMs?: number | undefined;
  now?: (() => number) | undefined;
}

/**
 * A secret that disappeared since start is a temporary error, so the mail waits
 * for the operator instead of bouncing.
 */
export class RouteResolver {
  private table: RouteTable<RouteConfig>;
  private readonly mx: MxResolver;

  constructor(
    routes: RouteConfig[],
    private readonly opts: RouteResolverOptions,
  ) {
    this.table = new RouteTable(routes);
    this.mx = new MxResolver({ dns: opts.dns, ttlMs: opts.mxCacheTtlMs, now: opts.now });
  }

  /** Replaces the routes (settings changed at run time); in-flight resolutions keep the old ones. */
  setRoutes(routes: RouteConfig[]): void {
    this.table = new RouteTable(routes);
  }

  async resolve(domain: string): Promise<ResolvedRoute> {
    const hit = this.table.match(domain);
    if (!hit) {
      return { routeDomain: 'MX', bounceProfile: 'default', destinations: await this.mx.resolve(domain) };
    }
    const destinations = hit.route.destinations
      .map((d, j) => toDestination(d, hit.index, j, this.opts.env))
      // Array.prototype.sort is stable: equal priorities keep the configured
      // order, and destination-order rotates them.
      .sort((a, b) => a.priority - b.priority);
    return { routeDomain: hit.route.domain, bounceProfile: hit.route.bounceProfile, destinations };
  }
}

/**
 * Fails start-up (or a settings change) when a route names a password
 * variable that is not set, naming the field:
 * `routes[1].destinations[0].auth.passEnv: environment variable RELAY_PASS is not set`.
 */
export function checkRouteSecrets(routes: readonly RouteConfig[], env: NodeJS.ProcessEnv): void {
  const problems: string[] = [];
  routes.forEach((r, i) =>
    r.destinations.forEach((d, j) => {
      if (isGraphDestination(d)) {
        const v = d.clientSecretEnv === undefined ? 'set' : env[d.clientSecretEnv];
        const why = v === undefined ? `environment variable ${d.clientSecretEnv} is not set` : v === '' ? `environment variable ${d.clientSecretEnv} is empty` : undefined;
        if (why) problems.push(`${field(i, j, 'clientSecretEnv')}: ${why}`);
        return;
      }
      const why = d.auth ? secretProblem(d.auth, env) : undefined;
      if (why) problems.push(`${field(i, j, why[0])}: ${why[1]}`);
    }),
  );
  if (problems.length) throw new RelayError({ code: 'ECONFIG', message: problems.join('; '), temporary: false });
}

function toDestination(d: RouteConfig['destinations'][number], i: number, j: number, env: NodeJS.ProcessEnv): Destination {
  // A Graph destination's secret is read by its token source when a token
  // is needed; a missing one is a temporary ECONFIG there, like here.
  if (isGraphDestination(d)) return graphDestination(d, env);
  let auth: Destination['auth'];
  if (d.auth) {
    const why = secretProblem(d.auth, env);
    if (why) {
      // Checked at start; if it vanished since, hold the mail rather than
      // send it unauthenticated or bounce it for a local mistake.
      throw new RelayError({ code: 'ECONFIG', message: `${field(i, j, why[0])}: ${why[1]}`, enhanced: '4.3.5', temporary: true });
    }
    auth = destinationLogin(d.auth, env);
  }
  return { key: `${d.host}:${d.port}`, host: d.host, port: d.port, priority: d.priority, tls: d.tls, auth, name: d.name, configured: true };
}

function field(i: number, j: number, leaf: string): string {
  return `routes[${i}].destinations[${j}].${leaf}`;
}
