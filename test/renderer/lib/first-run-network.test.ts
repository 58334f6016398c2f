/**
 * first-run-network: the "who may send" step's rules: each error keyed by
 * its field, an open relay (/0) refused unless understood, and what it saves.
 */
import { describe, expect, it } from 'vitest';
import { checkNetworkStep, networkSettings, type NetworkStep } from '../../../renderer/src/lib/first-run-network.js';

const step = (over: Partial<NetworkStep> = {}): NetworkStep => ({ listenHost: '0.0.0.0', listenPort: 25, ticked: ['192.168.1.0/24'], other: '', openRelayUnderstood: false, ...over });

describe('the first-run network step', () => {
  it('names each field that is wrong', () => {
    expect(checkNetworkStep(step())).toEqual({});
    expect(checkNetworkStep(step({ listenHost: 'not a host!', listenPort: 70000, other: '10.0.0.0/8, 10.1.0.0/33 bogus' }))).toEqual({
      'listen.host': 'must be a host name or IP address',
      'listen.port': 'must be 0–65535 (0: any free port)',
      relayNetworks: '10.1.0.0/33 must be an IP address or CIDR block like 192.168.1.0/24; bogus must be an IP address or CIDR block like 192.168.1.0/24',
    });
  });

  it('refuses an open relay (0.0.0.0/0, ::/0) unless the person says they understand', () => {
    for (const open of ['0.0.0.0/0', '::/0']) {
      expect(checkNetworkStep(step({ other: open })).relayNetworks).toMatch(/open relay/);
      expect(checkNetworkStep(step({ other: open, openRelayUnderstood: true }))).toEqual({});
    }
    expect(checkNetworkStep(step({ other: '10.0.0.0/8' }))).toEqual({});
  });

  it('saves loopback, the networks ticked and those typed, each once', () => {
    expect(networkSettings(step({ listenHost: ' 192.168.1.20 ', other: '10.9.0.0/16\n192.168.1.0/24' }))).toEqual({
      listen: { host: '192.168.1.20', port: 25 },
      relayNetworks: ['127.0.0.0/8', '::1/128', '192.168.1.0/24', '10.9.0.0/16'],
    });
  });
});
