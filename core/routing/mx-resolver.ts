/**
 * mx-resolver: where a domain without a configured route receives mail: MX
 * records by preference (RFC 5321 §5.1), the implicit MX, null MX (RFC 7505),
 * DNS errors as RelayError EDNS (permanent 556 5.1.10 / 5.1.2, temporary 4.4.3),
 * and a short cache. Every MX destination is `host:25`, opportunistic TLS.
 */
import { isIP } from 'node:net';
import { RelayError } from '../errors/relay-error.js';
import type { Destination, DnsLookup } from './routing-types.js';
import { normalizeDomain } from './route-table.js';

export interface MxResolverOptions {
  dns: DnsLookup;
  /** How long an answer is reused. The resolver API gives no TTLs; a minute keeps DNS quiet without going stale. */
  ttlMs?: number | undefined;
  /** Entries kept at most (oldest dropped first). */
  maxEntries?: number | undefined;
  now?: (() => number) | undefined;
}

/** How each resolver error code is treated. Anything not listed is a temporary failure. */
const DNS_ERRORS: Record<string, 'nxdomain' | 'nodata'> = {
  ENOTFOUND: 'nxdomain', // NXDOMAIN: the name does not exist
  ENODATA: 'nodata', // the name exists but has no records of this type
};

interface CacheEntry {
  at: number;
  value: Destination[] | RelayError;
}

/**
 * MX host names are not resolved here: the SMTP client does that when it
 * connects, so an MX host whose name does not resolve fails like any other
 * unreachable host and the next one is tried.
 */
export class MxResolver {
  private readonly cache = new Map<string, CacheEntry>();
  /** Lookups in progress, so concurrent jobs for one domain share one query. */
  private readonly inflight = new Map<string, Promise<Destination[]>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(private readonly opts: MxResolverOptions) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.maxEntries = opts.maxEntries ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** Destinations for `domain`, lowest preference first. */
  async resolve(domain: string): Promise<Destination[]> {
    const d = normalizeDomain(domain);
    const literal = addressLiteral(d);
    if (literal) return [mxDestination(literal, 0)];
    const hit = this.cache.get(d);
    if (hit && this.now() - hit.at < this.ttlMs) {
      if (hit.value instanceof RelayError) throw hit.value;
      return hit.value;
    }
    let p = this.inflight.get(d);
    if (!p) {
      p = this.lookup(d).finally(() => this.inflight.delete(d));
      this.inflight.set(d, p);
    }
    return p;
  }

  /** Forgets every cached answer (after a config change, or from tests). */
  clear(): void {
    this.cache.clear();
  }

  private async lookup(domain: string): Promise<Destination[]> {
    try {
      const value = await this.query(domain);
      this.remember(domain, value);
      return value;
    } catch (e) {
      const err = e instanceof RelayError ? e : temporary(domain, 'MX', e);
      // Permanent answers (NXDOMAIN, null MX) are facts worth caching; a
      // SERVFAIL or timeout is not: the next attempt should ask again.
      if (!err.temporary) this.remember(domain, err);
      throw err;
    }
  }

  private async query(domain: string): Promise<Destination[]> {
    let records: { exchange: string; priority: number }[];
    try {
      records = await this.opts.dns.resolveMx(domain);
    } catch (e) {
      const kind = DNS_ERRORS[errno(e)];
      if (kind === 'nxdomain') throw notFound(domain, 'the domain does not exist (NXDOMAIN)', e);
      if (kind === 'nodata') return this.implicitMx(domain);
      throw temporary(domain, 'MX', e);
    }
    if (records.length === 0) return this.implicitMx(domain);
    const real = records.filter((r) => !isNullExchange(r.exchange));
    if (real.length === 0) {
      // RFC 7505 §3: a single MX of "." (preference 0) says the domain
      // accepts no mail at all. Do not fall back to A/AAAA.
      throw new RelayError({
        code: 'EDNS',
        message: `${domain} does not accept mail (null MX, RFC 7505)`,
        smtpCode: 556,
        enhanced: '5.1.10',
        temporary: false,
      });
    }
    // A null MX next to real ones is a publishing error (RFC 7505 §3); the
    // real ones are the usable part.
    const seen = new Set<string>();
    return real
      .map((r) => ({ host: normalizeDomain(r.exchange), priority: r.priority }))
      .sort((a, b) => a.priority - b.priority)
      .filter((r) => (seen.has(r.host) ? false : (seen.add(r.host), true)))
      .map((r) => mxDestination(r.host, r.priority));
  }

  /** RFC 5321 §5.1: no MX records, so the domain itself is the mail host, if it has an address. */
  private async implicitMx(domain: string): Promise<Destination[]> {
    const [v4, v6] = await Promise.allSettled([this.opts.dns.resolve4(domain), this.opts.dns.resolve6(domain)]);
    const has = (r: PromiseSettledResult<string[]>): boolean => r.status === 'fulfilled' && r.value.length > 0;
    if (has(v4) || has(v6)) return [mxDestination(domain, 0)];
    // Neither family answered with an address. Only when both said "no such
    // data / no such name" is that a fact; any other failure may pass.
    const failures = [v4, v6].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    const hard = (r: PromiseSettledResult<string[]>): boolean =>
      r.status === 'fulfilled' || DNS_ERRORS[errno(r.reason)] !== undefined;
    if (hard(v4) && hard(v6)) throw notFound(domain, 'the domain has no MX and no address records', failures[0]?.reason);
    throw temporary(domain, 'A/AAAA', failures.find((f) => DNS_ERRORS[errno(f.reason)] === undefined)?.reason);
  }

  private remember(domain: string, value: Destination[] | RelayError): void {
    this.cache.delete(domain);
    this.cache.set(domain, { at: this.now(), value });
    // Map keeps insertion order: the first key is the oldest entry.
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }
}

export function mxDestination(host: string, priority: number): Destination {
  return { key: `${host}:25`, host, port: 25, priority, tls: 'opportunistic', auth: undefined };
}

/** `[192.0.2.1]` or `[IPv6:2001:db8::1]` (RFC 5321 §4.1.3): deliver to that address. */
function addressLiteral(domain: string): string | undefined {
  const m = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(domain);
  if (!m?.[1]) return undefined;
  return isIP(m[1]) ? m[1] : undefined;
}

function isNullExchange(exchange: string): boolean {
  return exchange === '' || exchange === '.';
}

function errno(e: unknown): string {
  return (e as NodeJS.ErrnoException | undefined)?.code ?? '';
}

function notFound(domain: string, why: string, cause: unknown): RelayError {
  return new RelayError({
    code: 'EDNS',
    message: `Host or domain name not found: ${domain}: ${why}`,
    enhanced: '5.1.2',
    temporary: false,
    cause,
  });
}

function temporary(domain: string, type: string, cause: unknown): RelayError {
  const code = errno(cause) || 'failure';
  return new RelayError({
    code: 'EDNS',
    message: `DNS lookup of ${type} for ${domain} failed (${code}); will retry`,
    enhanced: '4.4.3',
    temporary: true,
    cause,
  });
}
