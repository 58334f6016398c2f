/**
 * machine-networks: the machine's interfaces as the networks first run
 * offers (network address/prefix), without loopback and link-local.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { machineNetworks } from '../../../core/control/machine-networks.js';

const v4 = (address: string, cidr: string, internal = false): NetworkInterfaceInfo => ({ address, netmask: '', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr });
const v6 = (address: string, cidr: string, internal = false): NetworkInterfaceInfo => ({ address, netmask: '', family: 'IPv6', mac: '00:00:00:00:00:00', internal, cidr, scopeid: 0 });

describe('machineNetworks', () => {
  it('gives each interface’s network as CIDR, IPv4 first, without loopback or link-local', () => {
    const nets = machineNetworks({
      lo: [v4('127.0.0.1', '127.0.0.1/8', true), v6('::1', '::1/128', true)],
      eth0: [v6('2001:db8:1:2:a00:27ff:fe4e:66a1', '2001:db8:1:2:a00:27ff:fe4e:66a1/64'), v6('fe80::a00:27ff:fe4e:66a1', 'fe80::a00:27ff:fe4e:66a1/64'), v4('192.168.1.20', '192.168.1.20/24')],
      wlan0: [v4('10.20.30.40', '10.20.30.40/12'), v4('169.254.3.4', '169.254.3.4/16')],
      eth1: [v4('192.168.1.21', '192.168.1.21/24')],
    });
    expect(nets).toEqual([
      { interface: 'eth0', address: '192.168.1.20', cidr: '192.168.1.0/24', family: 'IPv4' },
      { interface: 'wlan0', address: '10.20.30.40', cidr: '10.16.0.0/12', family: 'IPv4' },
      { interface: 'eth0', address: '2001:db8:1:2:a00:27ff:fe4e:66a1', cidr: '2001:db8:1:2::/64', family: 'IPv6' },
    ]);
  });

  it('reads this machine’s interfaces when given none (never loopback)', () => {
    for (const n of machineNetworks()) expect(n.cidr).not.toMatch(/^(127\.|::1\/)/);
  });
});
