/**
 * route-table: which configured SMTP route serves a recipient domain, by ESA's
 * rules: an exact domain, then `.example.com` entries (any subdomain, longest
 * suffix wins, not example.com itself), then `ALL`; no match means MX.
 */

export interface RouteMatch<R> {
  route: R;
  /** Index of the route in the configured list (for messages naming the field). */
  index: number;
  kind: 'exact' | 'subdomain' | 'all';
}

export function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * Case-insensitive and ignoring a trailing root dot: DNS names are (RFC 4343),
 * and `corp.example.` and `corp.example` are the same name.
 */
export class RouteTable<R extends { domain: string }> {
  private readonly exact = new Map<string, number>();
  /** Keyed by the suffix without its leading dot: ".example.com" → "example.com". */
  private readonly suffix = new Map<string, number>();
  private all: number | undefined;

  constructor(private readonly routes: readonly R[]) {
    routes.forEach((r, i) => {
      // The config schema rejects duplicates; should two slip through, the
      // first one configured wins, as in a top-down route list.
      if (r.domain === 'ALL') {
        this.all ??= i;
      } else if (r.domain.startsWith('.')) {
        const key = normalizeDomain(r.domain.slice(1));
        if (!this.suffix.has(key)) this.suffix.set(key, i);
      } else {
        const key = normalizeDomain(r.domain);
        if (!this.exact.has(key)) this.exact.set(key, i);
      }
    });
  }

  match(domain: string): RouteMatch<R> | undefined {
    const d = normalizeDomain(domain);
    const exact = this.exact.get(d);
    if (exact !== undefined) return this.hit(exact, 'exact');
    // Walk the parents from the longest: for a.b.example.com try
    // b.example.com, then example.com, then com. The first hit is the longest.
    let dot = d.indexOf('.');
    while (dot !== -1) {
      const idx = this.suffix.get(d.slice(dot + 1));
      if (idx !== undefined) return this.hit(idx, 'subdomain');
      dot = d.indexOf('.', dot + 1);
    }
    return this.all === undefined ? undefined : this.hit(this.all, 'all');
  }

  private hit(index: number, kind: RouteMatch<R>['kind']): RouteMatch<R> {
    return { route: this.routes[index]!, index, kind };
  }
}
