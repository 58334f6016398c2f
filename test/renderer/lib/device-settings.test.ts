import { describe, expect, it } from 'vitest';
import type { ListenerStatus, MachineNetwork } from '../../../common/contract.js';
import { accountProblems, pemPathProblem, splitPatterns } from '../../../renderer/src/lib/account-rules.js';
import { certificateExpiry, deviceEndpoints } from '../../../renderer/src/lib/device-settings.js';

const NETS: MachineNetwork[] = [
  { interface: 'eth0', address: '192.168.1.20', cidr: '192.168.1.0/24', family: 'IPv4' },
  { interface: 'eth0', address: 'fd00::20', cidr: 'fd00::/64', family: 'IPv6' },
];
const L = (o: Partial<ListenerStatus>): ListenerStatus => ({ host: '0.0.0.0', port: 25, tls: 'none', auth: 'none', allowAuthWithoutTls: false, ...o });

describe('what a scanner needs', () => {
  it('a listener on every address offers the relay’s name and this machine’s addresses of that family', () => {
    const [v4, dual] = deviceEndpoints([L({}), L({ host: '::', port: 587, tls: 'starttls', auth: 'required' })], NETS, 'relay.corp.example');
    expect(v4).toEqual({ addresses: ['relay.corp.example', '192.168.1.20'], localOnly: false, port: 25, security: 'none', auth: 'none', passwordsInClear: false });
    expect(dual!.addresses).toEqual(['relay.corp.example', '192.168.1.20', 'fd00::20']);
    expect(dual!.security).toBe('starttls');
  });

  it('a name that is no DNS name (no dot) is not offered; a bound address is shown as it is', () => {
    expect(deviceEndpoints([L({})], NETS, 'localhost')[0]!.addresses).toEqual(['192.168.1.20']);
    expect(deviceEndpoints([L({ host: '192.168.1.20' })], NETS, 'relay.corp.example')[0]!.addresses).toEqual(['192.168.1.20']);
  });

  it('a loopback listener is for this computer only', () => {
    expect(deviceEndpoints([L({ host: '127.0.0.1' })], NETS, 'r.example')[0]).toMatchObject({ addresses: ['127.0.0.1'], localOnly: true });
    expect(deviceEndpoints([L({ host: '::1' })], NETS, 'r.example')[0]!.localOnly).toBe(true);
  });

  it('warns where passwords are taken without TLS, by the same rule as status', () => {
    const warn = (o: Partial<ListenerStatus>): boolean => deviceEndpoints([L(o)], NETS, 'r.example')[0]!.passwordsInClear;
    expect(warn({ auth: 'optional', allowAuthWithoutTls: true })).toBe(true);
    expect(warn({ auth: 'required', tls: 'starttls', allowAuthWithoutTls: true })).toBe(true);
    expect(warn({ auth: 'required', tls: 'starttls' })).toBe(false);
    expect(warn({ auth: 'none', allowAuthWithoutTls: true })).toBe(false);
  });

  it('certificate expiry: ok, warn within 30 days, bad when today or past', () => {
    const now = Date.UTC(2026, 11, 4);
    const day = 86_400_000;
    expect(certificateExpiry({ notAfter: now + 90 * day }, now)).toEqual({ tone: 'ok', words: 'valid for 90 more days' });
    expect(certificateExpiry({ notAfter: now + 30 * day }, now).tone).toBe('warn');
    expect(certificateExpiry({ notAfter: now + 1 * day }, now).words).toBe('expires in 1 day: replace it soon');
    expect(certificateExpiry({ notAfter: now + 3600_000 }, now)).toEqual({ tone: 'bad', words: 'expires today' });
    expect(certificateExpiry({ notAfter: now - 1 }, now).tone).toBe('bad');
  });
});

describe('account and certificate rules in the window', () => {
  it('names the field, as the relay does', () => {
    expect(accountProblems({ name: 'scanner-2', password: 'long enough', from: ['*@corp.example'] })).toEqual({});
    expect(Object.keys(accountProblems({ name: 'bad name', password: 'short', from: ['nope'] })).sort()).toEqual(['from', 'name', 'password']);
    expect(accountProblems({ password: 'x'.repeat(1025) }).password).toMatch(/at most 1024/);
  });

  it('splits patterns on spaces, commas and new lines', () => {
    expect(splitPatterns(' *@a.example, scan@b.example\n*@c.example ')).toEqual(['*@a.example', 'scan@b.example', '*@c.example']);
    expect(splitPatterns('  ')).toEqual([]);
  });

  it('wants the full path of a PEM file, Windows or POSIX', () => {
    expect(pemPathProblem('/etc/ssl/relay.pem')).toBeNull();
    expect(pemPathProblem('C:\\certs\\relay.pem')).toBeNull();
    expect(pemPathProblem('\\\\server\\share\\relay.pem')).toBeNull();
    expect(pemPathProblem('relay.pem')).toMatch(/full path/);
    expect(pemPathProblem(' ')).toMatch(/must name/);
  });
});
