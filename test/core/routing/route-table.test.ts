import { describe, expect, it } from 'vitest';
import { RouteTable } from '../../../core/routing/route-table.js';

const routes = [
  { domain: 'corp.example' },
  { domain: '.example.com' },
  { domain: '.mail.example.com' },
  { domain: 'sub.example.com' },
  { domain: 'ALL' },
];

describe('RouteTable', () => {
  const table = new RouteTable(routes);
  // [recipient domain, expected route domain, kind]
  const cases: [string, string | undefined, string | undefined][] = [
    ['corp.example', 'corp.example', 'exact'],
    ['CORP.Example', 'corp.example', 'exact'],
    ['corp.example.', 'corp.example', 'exact'],
    ['x.corp.example', 'ALL', 'all'], // exact entries do not cover subdomains
    ['example.com', 'ALL', 'all'], // .example.com is subdomains only, not the bare domain
    ['a.example.com', '.example.com', 'subdomain'],
    ['a.b.example.com', '.example.com', 'subdomain'],
    ['x.mail.example.com', '.mail.example.com', 'subdomain'], // longest suffix wins
    ['y.x.MAIL.example.com', '.mail.example.com', 'subdomain'],
    ['mail.example.com', '.example.com', 'subdomain'], // bare mail.example.com is not under .mail.example.com
    ['sub.example.com', 'sub.example.com', 'exact'], // exact beats a matching suffix
    ['other.test', 'ALL', 'all'],
    ['notexample.com', 'ALL', 'all'], // a suffix matches whole labels only
  ];
  it.each(cases)('%s → %s', (domain, want, kind) => {
    const m = table.match(domain);
    expect(m?.route.domain).toBe(want);
    expect(m?.kind).toBe(kind);
  });

  it('returns undefined without ALL so the caller uses MX, and reports the route index', () => {
    const t = new RouteTable([{ domain: 'a.test' }, { domain: '.b.test' }]);
    expect(t.match('c.test')).toBeUndefined();
    expect(t.match('b.test')).toBeUndefined();
    expect(t.match('x.b.test')?.index).toBe(1);
  });

  it('keeps the first of two routes for the same domain', () => {
    const t = new RouteTable([{ domain: 'a.test', n: 1 }, { domain: 'A.test', n: 2 }]);
    expect(t.match('a.test')?.route.n).toBe(1);
  });
});
