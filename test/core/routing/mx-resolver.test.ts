import { describe, expect, it } from 'vitest';
import { RelayError } from '../../../core/errors/relay-error.js';
import { MxResolver } from '../../../core/routing/mx-resolver.js';
import type { DnsLookup } from '../../../core/routing/routing-types.js';

const dnsError = (code: string): Error => Object.assign(new Error(`query ${code}`), { code });

/** A fake resolver: per name and type, records or an error code. Counts queries. */
function fakeDns(zone: Record<string, { mx?: { exchange: string; priority: number }[] | string; a?: string[] | string; aaaa?: string[] | string }>) {
  const calls: string[] = [];
  const answer = <T>(name: string, type: 'mx' | 'a' | 'aaaa'): Promise<T> => {
    calls.push(`${type} ${name}`);
    const z = zone[name];
    if (!z) return Promise.reject(dnsError('ENOTFOUND'));
    const v = z[type];
    if (v === undefined) return Promise.reject(dnsError('ENODATA'));
    if (typeof v === 'string') return Promise.reject(dnsError(v));
    return Promise.resolve(v as T);
  };
  const dns: DnsLookup = {
    resolveMx: (n) => answer(n, 'mx'),
    resolve4: (n) => answer(n, 'a'),
    resolve6: (n) => answer(n, 'aaaa'),
  };
  return { dns, calls };
}

async function rejection(p: Promise<unknown>): Promise<RelayError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RelayError);
  return e as RelayError;
}

describe('MxResolver', () => {
  it('sorts MX records by preference, port 25, opportunistic TLS, key host:25', async () => {
    const { dns } = fakeDns({
      'corp.test': { mx: [{ exchange: 'MX2.corp.test.', priority: 20 }, { exchange: 'mx1.corp.test', priority: 10 }, { exchange: 'mx1b.corp.test', priority: 10 }] },
    });
    const r = await new MxResolver({ dns }).resolve('Corp.Test');
    expect(r.map((d) => [d.key, d.priority])).toEqual([
      ['mx1.corp.test:25', 10],
      ['mx1b.corp.test:25', 10],
      ['mx2.corp.test:25', 20],
    ]);
    expect(r.every((d) => d.port === 25 && d.tls === 'opportunistic' && d.auth === undefined)).toBe(true);
  });

  it('falls back to the domain itself when it has no MX but has an address (RFC 5321 §5.1)', async () => {
    const { dns } = fakeDns({ 'a-only.test': { a: ['192.0.2.1'] }, 'v6-only.test': { aaaa: ['2001:db8::1'] } });
    const mx = new MxResolver({ dns });
    expect((await mx.resolve('a-only.test')).map((d) => d.key)).toEqual(['a-only.test:25']);
    expect((await mx.resolve('v6-only.test')).map((d) => d.key)).toEqual(['v6-only.test:25']);
  });

  it('a null MX is a permanent 556 5.1.10 with no A/AAAA fallback (RFC 7505)', async () => {
    const { dns, calls } = fakeDns({ 'nomail.test': { mx: [{ exchange: '', priority: 0 }], a: ['192.0.2.1'] } });
    const e = await rejection(new MxResolver({ dns }).resolve('nomail.test'));
    expect([e.code, e.smtpCode, e.enhanced, e.temporary]).toEqual(['EDNS', 556, '5.1.10', false]);
    expect(calls).toEqual(['mx nomail.test']);
  });

  it('ignores a null MX published next to real ones', async () => {
    const { dns } = fakeDns({ 'mixed.test': { mx: [{ exchange: '.', priority: 0 }, { exchange: 'mx.mixed.test', priority: 5 }] } });
    expect((await new MxResolver({ dns }).resolve('mixed.test')).map((d) => d.host)).toEqual(['mx.mixed.test']);
  });

  it('NXDOMAIN is permanent 5.1.2', async () => {
    const { dns } = fakeDns({});
    const e = await rejection(new MxResolver({ dns }).resolve('gone.test'));
    expect([e.code, e.enhanced, e.temporary]).toEqual(['EDNS', '5.1.2', false]);
  });

  it('no MX and no address records is permanent 5.1.2', async () => {
    const { dns } = fakeDns({ 'empty.test': {} });
    const e = await rejection(new MxResolver({ dns }).resolve('empty.test'));
    expect([e.enhanced, e.temporary]).toEqual(['5.1.2', false]);
  });

  it.each(['ESERVFAIL', 'ETIMEOUT', 'ECONNREFUSED', 'EREFUSED'])('%s on MX is temporary 4.4.3', async (code) => {
    const { dns } = fakeDns({ 'flaky.test': { mx: code } });
    const e = await rejection(new MxResolver({ dns }).resolve('flaky.test'));
    expect([e.code, e.enhanced, e.temporary]).toEqual(['EDNS', '4.4.3', true]);
  });

  it('a SERVFAIL on the address fallback is temporary, not "no such domain"', async () => {
    const { dns } = fakeDns({ 'half.test': { a: 'ESERVFAIL' } });
    const e = await rejection(new MxResolver({ dns }).resolve('half.test'));
    expect([e.enhanced, e.temporary]).toEqual(['4.4.3', true]);
  });

  it('caches answers and permanent failures for the TTL, not temporary failures', async () => {
    let now = 1000;
    const zone: Parameters<typeof fakeDns>[0] = { 'c.test': { mx: [{ exchange: 'mx.c.test', priority: 1 }] }, 'f.test': { mx: 'ESERVFAIL' } };
    const { dns, calls } = fakeDns(zone);
    const mx = new MxResolver({ dns, ttlMs: 60_000, now: () => now });
    await mx.resolve('c.test');
    await mx.resolve('C.test');
    await rejection(mx.resolve('gone.test'));
    await rejection(mx.resolve('gone.test'));
    await rejection(mx.resolve('f.test'));
    await rejection(mx.resolve('f.test'));
    expect(calls).toEqual(['mx c.test', 'mx gone.test', 'mx f.test', 'mx f.test']);
    now += 60_001;
    await mx.resolve('c.test');
    expect(calls.filter((c) => c === 'mx c.test')).toHaveLength(2);
  });

  it('shares one query between concurrent lookups of the same domain', async () => {
    const { dns, calls } = fakeDns({ 'burst.test': { mx: [{ exchange: 'mx.burst.test', priority: 0 }] } });
    const mx = new MxResolver({ dns });
    const all = await Promise.all(Array.from({ length: 20 }, () => mx.resolve('burst.test')));
    expect(all.every((r) => r[0]?.host === 'mx.burst.test')).toBe(true);
    expect(calls).toEqual(['mx burst.test']);
  });

  it('delivers address literals to the address without DNS', async () => {
    const { dns, calls } = fakeDns({});
    const mx = new MxResolver({ dns });
    expect((await mx.resolve('[192.0.2.7]')).map((d) => d.key)).toEqual(['192.0.2.7:25']);
    expect((await mx.resolve('[IPv6:2001:db8::7]')).map((d) => d.host)).toEqual(['2001:db8::7']);
    expect(calls).toEqual([]);
  });
});
