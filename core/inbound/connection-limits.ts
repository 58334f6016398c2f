/**
 * connection-limits: whether one more SMTP connection may open, as a table of
 * admission rules checked in order (per-client, total, the reserve for
 * relayNetworks), each with its 421 (inbound-replies.ts). A refusal is returned;
 * writing it is command-guard.ts's, logging it refusal-log.ts's.
 */
import type { RelayConfig } from '../config/config-schema.js';
import type { RelayError } from '../errors/relay-error.js';
import { reservedForRelayClients, tooManyConnections, tooManyFromClient } from './inbound-replies.js';

export type Limits = Pick<RelayConfig['limits'], 'maxConnections' | 'maxConnectionsPerClient' | 'reservedForRelayNetworks'>;

export interface Peer {
  /** The client's IP address, as smtp-server normalises it. */
  address: string;
  /** Inside relayNetworks. */
  relayClient: boolean;
}

export interface Refusal {
  rule: RuleName;
  error: RelayError;
}

type RuleName = 'per-client' | 'total' | 'reserve';
interface Counts {
  fromClient: number;
  total: number;
  outside: number;
}
interface Rule {
  name: RuleName;
  full(c: Counts, l: Limits, client: Peer): boolean;
  reply(host: string, client: Peer): RelayError;
}

/**
 * The rules, in order:
 *   per-client  a client (one IP address) has maxConnectionsPerClient open
 *   total       maxConnections are open
 *   reserve     a client outside relayNetworks, and such clients already
 *               hold maxConnections - reservedForRelayNetworks
 * The per-client rule comes first: when the client itself is the hog, that is
 * the reason worth telling it. Every client counts for the total, relay clients
 * included, as in Postfix and ESA. Without the reserve, a few slow clients could
 * take every slot and the office's printer would get 421.
 */
const RULES: readonly Rule[] = [
  { name: 'per-client', full: (c, l) => c.fromClient >= l.maxConnectionsPerClient, reply: (host, p) => tooManyFromClient(host, p.address) },
  { name: 'total', full: (c, l) => c.total >= l.maxConnections, reply: (host) => tooManyConnections(host) },
  {
    name: 'reserve',
    full: (c, l, p) => !p.relayClient && c.outside >= l.maxConnections - l.reservedForRelayNetworks,
    reply: (host) => reservedForRelayClients(host),
  },
];

/** The first rule `client` runs into, given the connections `open` now; undefined: admit. */
export function admit(limits: Limits, host: string, client: Peer, open: Iterable<Peer>): Refusal | undefined {
  const c: Counts = { fromClient: 0, total: 0, outside: 0 };
  for (const p of open) {
    c.total++;
    if (p.address === client.address) c.fromClient++;
    if (!p.relayClient) c.outside++;
  }
  const rule = RULES.find((r) => r.full(c, limits, client));
  return rule && { rule: rule.name, error: rule.reply(host, client) };
}
