import { describe, expect, it } from 'vitest';
import { RelayAccessPolicy } from '../../../core/inbound/access-policy.js';
import { RelayError } from '../../../core/errors/relay-error.js';

describe('RelayAccessPolicy', () => {
  const policy = new RelayAccessPolicy(['127.0.0.0/8', '::1/128', '192.168.10.0/24', '2001:db8:1::/48', '10.9.9.9']);

  it.each([
    ['127.0.0.1', '127.0.0.0/8'],
    ['127.255.0.3', '127.0.0.0/8'],
    ['::ffff:127.0.0.1', '127.0.0.0/8'],
    ['::FFFF:192.168.10.77', '192.168.10.0/24'],
    ['::1', '::1/128'],
    ['0:0:0:0:0:0:0:1', '::1/128'],
    ['2001:db8:1:ffff::5', '2001:db8:1::/48'],
    ['10.9.9.9', '10.9.9.9'],
  ])('%s matches %s', (ip, network) => {
    expect(policy.match(ip)).toBe(network);
  });

  it.each(['192.168.11.1', '10.9.9.8', '::2', '2001:db8:2::1', '::ffff:10.0.0.1', 'not-an-ip', ''])('%s matches nothing', (ip) => {
    expect(policy.match(ip)).toBeUndefined();
  });

  it('denies everyone with an empty list', () => {
    expect(new RelayAccessPolicy([]).match('127.0.0.1')).toBeUndefined();
  });

  it.each(['10.0.0.0/33', '::/129', 'example.com', '10.0.0.0/8/1', '10.0.0.0/x'])('refuses the bad network %s', (cidr) => {
    expect(() => new RelayAccessPolicy([cidr])).toThrow(RelayError);
  });
});

describe('RelayAccessPolicy with IPv4-mapped networks', () => {
  it('matches IPv4 clients against a network written in ::ffff: form', () => {
    const policy = new RelayAccessPolicy(['::ffff:192.168.1.0/120']);
    expect(policy.match('192.168.1.9')).toBe('::ffff:192.168.1.0/120');
    expect(policy.match('::ffff:192.168.1.9')).toBe('::ffff:192.168.1.0/120');
    expect(policy.match('192.168.2.9')).toBeUndefined();
  });

  it('strips brackets and zone ids from the client address', () => {
    const policy = new RelayAccessPolicy(['fe80::/10', '127.0.0.1']);
    expect(policy.match('fe80::1%eth0')).toBe('fe80::/10');
    expect(policy.match('[127.0.0.1]')).toBe('127.0.0.1');
  });
});
