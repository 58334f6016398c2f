/**
 * access-policy: who may relay through us: a client IP address against
 * config.relayNetworks (CIDR blocks, IPv4 and IPv6), naming the block that
 * matched. Raises RelayError ECONFIG for a network that is not an IP or CIDR block.
 */
import { BlockList, isIP } from 'node:net';
import { RelayError } from '../errors/relay-error.js';

interface Network {
  label: string;
  list: BlockList;
}

// "::ffff:127.0.0.1" is how a dual-stack socket reports an IPv4 peer.
const MAPPED_V4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/**
 * IPv4-mapped IPv6 works both ways: a dual-stack socket's "::ffff:a.b.c.d"
 * peer is matched as IPv4, and Node's BlockList lets an IPv4 client match a
 * network written as ::ffff:a.b.c.d/n. (So an IPv6 network that contains
 * ::ffff:0:0/96, such as ::/0, also admits every IPv4 client: that is what
 * such a network says.)
 */
export class RelayAccessPolicy {
  // One BlockList per network, so the match can be named in the log.
  private readonly networks: Network[];

  constructor(relayNetworks: readonly string[]) {
    this.networks = relayNetworks.map((label) => ({ label, list: toBlockList(label) }));
  }

  /** The configured network that contains `address`, or undefined. */
  match(address: string): string | undefined {
    const plain = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    const v4 = MAPPED_V4.exec(plain)?.[1];
    const ip = v4 ?? plain;
    const family = isIP(ip);
    if (family === 0) return undefined;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    return this.networks.find((n) => n.list.check(ip, type))?.label;
  }
}

function toBlockList(cidr: string): BlockList {
  const [addr = '', bits, extra] = cidr.split('/');
  const family = isIP(addr);
  const max = family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new RelayError({
      code: 'ECONFIG',
      message: `relayNetworks: "${cidr}" is not an IP address or CIDR block`,
      temporary: false,
    });
  }
  const list = new BlockList();
  list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
  return list;
}
