/**
 * router: which view is shown, kept in the URL fragment (`#/queue?host=…`) so a reload, the
 * back button and a link from a desktop notification land on the same view; the table of views.
 */

export const VIEWS = [
  { id: 'overview', label: 'Overview', key: '1' },
  { id: 'hosts', label: 'Hosts', key: '2' },
  { id: 'queue', label: 'Queue', key: '3' },
  // Keys of the older views stay as they were; Bounces takes the next free one.
  { id: 'bounces', label: 'Bounces', key: '7' },
  { id: 'log', label: 'Log', key: '4' },
  { id: 'charts', label: 'Charts', key: '5' },
  // Listeners, certificate, device accounts and what to type into a scanner.
  { id: 'devices', label: 'Devices', key: '8' },
  { id: 'settings', label: 'Settings', key: '6' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

export interface Route {
  view: ViewId;
  params: Record<string, string>;
}

export function parseHash(hash: string): Route {
  const m = /^#\/([a-z]+)(?:\?(.*))?$/.exec(hash);
  const view = VIEWS.find((v) => v.id === m?.[1])?.id ?? 'overview';
  const params: Record<string, string> = {};
  if (m?.[2]) for (const [k, v] of new URLSearchParams(m[2])) if (k !== 'token') params[k] = v;
  return { view, params };
}

export function formatHash(r: Route): string {
  const q = new URLSearchParams(Object.entries(r.params).filter(([, v]) => v !== '')).toString();
  return `#/${r.view}${q ? `?${q}` : ''}`;
}

export class Router {
  route = $state<Route>({ view: 'overview', params: {} });

  constructor(private readonly w: Pick<Window, 'location' | 'history' | 'addEventListener'> | undefined) {
    if (!w) return;
    this.route = parseHash(w.location.hash);
    w.addEventListener('hashchange', () => {
      this.route = parseHash(w.location.hash);
    });
  }

  go(view: ViewId, params: Record<string, string> = {}): void {
    const r = { view, params };
    this.route = r;
    if (!this.w) return;
    const hash = formatHash(r);
    if (this.w.location.hash !== hash) this.w.history.pushState(null, '', hash);
  }
}
