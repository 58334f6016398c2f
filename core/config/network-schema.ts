/**
 * network-schema: an IP address or CIDR block as a config value
 * (relayNetworks, metrics.allowNetworks), checked at load so the error names
 * the field; matching is inbound/access-policy.ts's.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

export const cidr = z.string().refine(
  (s) => {
    const [addr, bits, extra] = s.split('/');
    if (extra !== undefined || addr === undefined) return false;
    const family = isIP(addr);
    if (family === 0) return false;
    if (bits === undefined) return true;
    if (!/^\d{1,3}$/.test(bits)) return false;
    return Number(bits) <= (family === 4 ? 32 : 128);
  },
  { message: 'must be an IP address or CIDR block like 192.168.1.0/24' },
);
