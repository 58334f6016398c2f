/**
 * machine-networks: the machine's own networks as CIDR (192.168.1.20/24 on
 * eth0 → 192.168.1.0/24), which the first-run guide offers as the networks
 * allowed to send. Loopback is left out (always allowed by default), and so
 * is link-local (169.254/16, fe80::/10: no office sends from there on purpose).
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { MachineNetwork } from './contract.js';

export function machineNetworks(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): MachineNetwork[] {
  const out: MachineNetwork[] = [];
  const seen = new Set<string>();
  for (const [name, infos] of Object.entries(ifaces)) {
    for (const i of infos ?? []) {
      if (i.internal || !i.cidr) continue;
      const prefix = Number(i.cidr.split('/')[1]);
      const family = i.family === 'IPv4' ? 'IPv4' : 'IPv6';
      if (family === 'IPv4' ? i.address.startsWith('169.254.') : /^fe[89ab]/i.test(i.address)) continue;
      const cidr = `${family === 'IPv4' ? maskV4(i.address, prefix) : maskV6(i.address, prefix)}/${prefix}`;
      if (seen.has(cidr)) continue;
      seen.add(cidr);
      out.push({ interface: name, address: i.address, cidr, family });
    }
  }
  // IPv4 first: what an office's printers use.
  return out.sort((a, b) => (a.family === b.family ? 0 : a.family === 'IPv4' ? -1 : 1));
}

function maskV4(address: string, prefix: number): string {
  const n = address.split('.').reduce((acc, p) => (acc << 8) + Number(p), 0) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const m = (n & mask) >>> 0;
  return [24, 16, 8, 0].map((s) => (m >>> s) & 255).join('.');
}

function maskV6(address: string, prefix: number): string {
  const [head = '', tail = ''] = address.split('%')[0]!.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t].map((g) => parseInt(g || '0', 16));
  const masked = groups.map((g, i) => {
    const bits = Math.max(0, Math.min(16, prefix - i * 16));
    return bits === 0 ? 0 : g & ((0xffff << (16 - bits)) & 0xffff);
  });
  return compressV6(masked);
}

/** RFC 5952 form: the longest run of zero groups (two or more) as "::". */
function compressV6(groups: number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
