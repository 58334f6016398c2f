/**
 * config-commands: config get / set / file status as control operations. The
 * editable view of the config (what the window's Settings and `config get`
 * show: the first listener's address, routes with their Graph destinations
 * beside the SMTP ones) and its way back into the config file's shape.
 * Writing, validating and applying are apply-config.ts's (LiveConfig).
 */
import type { DestinationAuthConfig } from '../config/auth-schema.js';
import { isGraphDestination, listenersOf, type GraphDestinationConfig, type RelayConfig } from '../config/config-schema.js';
import type { LiveConfig } from './apply-config.js';
import type { ControlApi, EditableConfig, GraphDestinationSetting, OAuth2Auth, TlsDestination } from './contract.js';

export function configCommands(config: Pick<LiveConfig, 'get' | 'change' | 'status'>): Pick<ControlApi, 'configGet' | 'configSet' | 'configFile'> {
  return {
    // What runs (README: `config get`); keys waiting for a restart are in configFile's restartNeeded.
    configGet: async () => editable(config.get()),
    configSet: async ({ config: c }) => editable(await config.change(withGraphDestinations(c), 'control')),
    configFile: () => config.status(),
  };
}

/** Password auth in its older shape (no `type`), which the window edits; OAuth2 as configured, undefined keys left out. */
function editableAuth(a: DestinationAuthConfig): NonNullable<TlsDestination['auth']> {
  if (a.type === 'password') return { user: a.user, passEnv: a.passEnv };
  const out: OAuth2Auth = { type: 'oauth2', user: a.user, tenant: a.tenant, clientId: a.clientId };
  for (const k of ['clientSecretEnv', 'certificateFile', 'privateKeyFile', 'tokenUrl', 'scope'] as const) {
    const v = a[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function editable(c: RelayConfig): EditableConfig {
  return {
    routes: c.routes.map((r) => ({
      domain: r.domain,
      bounceProfile: r.bounceProfile,
      destinations: r.destinations.flatMap((x) =>
        isGraphDestination(x) ? [] : [{ host: x.host, ...(x.name ? { name: x.name } : {}), port: x.port, priority: x.priority, tls: x.tls, ...(x.auth ? { auth: editableAuth(x.auth) } : {}) }],
      ),
      // Graph destinations ride beside them (contract.ts GraphDestinationSetting).
      ...(r.destinations.some(isGraphDestination) ? { graph: r.destinations.filter(isGraphDestination).map(graphSetting) } : {}),
    })),
    bounceProfiles: { ...c.bounceProfiles },
    relayNetworks: [...c.relayNetworks],
    // The first listener: the window edits its address; others stay as the file has them.
    listen: { host: listenersOf(c)[0]!.host, port: listenersOf(c)[0]!.port },
  };
}

function graphSetting(x: GraphDestinationConfig): GraphDestinationSetting {
  const out: GraphDestinationSetting = { type: 'graph', priority: x.priority, mailbox: x.mailbox, tenant: x.tenant, clientId: x.clientId, graphUrl: x.graphUrl };
  for (const k of ['name', 'clientSecretEnv', 'certificateFile', 'privateKeyFile', 'tokenUrl'] as const) if (x[k] !== undefined) out[k] = x[k];
  return out;
}

/** A route's `graph` list (see editable()) back among its destinations, after the SMTP ones. */
function withGraphDestinations(config: object): Record<string, unknown> {
  const c = config as Record<string, unknown>;
  if (!Array.isArray(c.routes)) return c;
  const routes = (c.routes as unknown[]).map((r) => {
    if (!r || typeof r !== 'object' || !('graph' in r)) return r;
    const { graph, ...rest } = r as Record<string, unknown>;
    const smtp = Array.isArray(rest.destinations) ? (rest.destinations as unknown[]) : [];
    return Array.isArray(graph) ? { ...rest, destinations: [...smtp, ...(graph as unknown[])] } : r;
  });
  return { ...c, routes };
}
