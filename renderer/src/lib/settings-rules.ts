/**
 * settings-rules: field-by-field validation of the editable config (one rule per kind of field,
 * in the core's wording), keyed by the core's field paths (`routes[0].destinations[1].port`),
 * and mapping the relay's own rejection back to its field (the core's message wins).
 */
import type { EditableConfig } from '../../../common/contract.js';
import type { ControlError } from './relay-client.js';

export type FieldErrors = Record<string, string>;
type Rule = (v: unknown) => string | null;

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

export function isIpv6(s: string): boolean {
  if (!s.includes(':') || !/^[0-9a-f:.]+$/i.test(s)) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 2;
  } catch {
    // URL rejected it: not an IPv6 literal (the answer, not an error).
    return false;
  }
}

const isWhole = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export const RULES = {
  domain: (v) =>
    typeof v === 'string' && (v === 'ALL' || HOSTNAME.test(v.replace(/^\./, '')))
      ? null
      : 'must be a domain, .domain for its subdomains, or ALL',
  host: (v) =>
    typeof v === 'string' && v.trim() !== '' && (isIpv4(v) || isIpv6(v) || HOSTNAME.test(v)) ? null : 'must be a host name or IP address',
  destinationPort: (v) => (!isWhole(v) ? 'must be a whole number' : v < 1 || v > 65535 ? 'must be 1–65535' : null),
  listenPort: (v) => (!isWhole(v) ? 'must be a whole number' : v < 0 || v > 65535 ? 'must be 0–65535 (0: any free port)' : null),
  priority: (v) => (!isWhole(v) ? 'must be a whole number' : v < 0 ? 'must be 0 or more' : null),
  tls: (v) => (v === 'none' || v === 'opportunistic' || v === 'required' ? null : 'must be none, opportunistic or required'),
  authUser: (v) => (typeof v === 'string' && v.length > 0 ? null : 'must not be empty'),
  passEnv: (v) => (typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v) ? null : 'must be an environment variable name'),
  cidr: (v) => {
    const msg = 'must be an IP address or CIDR block like 192.168.1.0/24';
    if (typeof v !== 'string') return msg;
    const [addr, bits, extra] = v.split('/');
    if (extra !== undefined || addr === undefined) return msg;
    const v4 = isIpv4(addr);
    if (!v4 && !isIpv6(addr)) return msg;
    if (bits === undefined) return null;
    return /^\d{1,3}$/.test(bits) && Number(bits) <= (v4 ? 32 : 128) ? null : msg;
  },
  seconds: (v) => (isNum(v) && v >= 0 ? null : 'must be zero or more seconds'),
  factor: (v) => (isNum(v) && v >= 1 ? null : 'must be 1 or more'),
  count: (v) => (!isWhole(v) ? 'must be a whole number' : v < 0 ? 'must be 0 or more' : null),
  profileName: (v) => (typeof v === 'string' && /^[\w.-]{1,64}$/.test(v) ? null : 'must be a name of letters, digits, - or _'),
} satisfies Record<string, Rule>;

/** Bounce profile fields and their rules, in the order the form shows them. */
export const PROFILE_FIELDS = [
  { key: 'initialRetrySeconds', label: 'First retry after (s)', rule: 'seconds' },
  { key: 'maxRetrySeconds', label: 'Longest wait between retries (s)', rule: 'seconds' },
  { key: 'backoffFactor', label: 'Back-off factor', rule: 'factor' },
  { key: 'maxRetries', label: 'Maximum retries', rule: 'count' },
  { key: 'maxQueueSeconds', label: 'Bounce after queued for (s)', rule: 'seconds' },
  { key: 'delayWarningSeconds', label: 'Delay warning after (s, 0 = none)', rule: 'seconds' },
] as const satisfies readonly { key: keyof EditableConfig['bounceProfiles'][string]; label: string; rule: keyof typeof RULES }[];

export function validateConfig(c: EditableConfig): FieldErrors {
  const errors: FieldErrors = {};
  const check = (path: string, rule: keyof typeof RULES, v: unknown): void => {
    const msg = RULES[rule](v);
    if (msg) errors[path] = msg;
  };
  const seen = new Map<string, number>();
  c.routes.forEach((r, i) => {
    const p = `routes[${i}]`;
    check(`${p}.domain`, 'domain', r.domain);
    const prev = seen.get(r.domain.toLowerCase());
    if (prev !== undefined && !errors[`${p}.domain`]) errors[`${p}.domain`] = `repeats the domain of route ${prev + 1}`;
    seen.set(r.domain.toLowerCase(), i);
    if (r.destinations.length === 0 && !r.graph?.length) errors[`${p}.destinations`] = 'must list at least one destination';
    if (r.bounceProfile !== 'default' && !(r.bounceProfile in c.bounceProfiles)) {
      errors[`${p}.bounceProfile`] = `names a bounce profile "${r.bounceProfile}" that is not defined`;
    }
    r.destinations.forEach((d, j) => {
      const q = `${p}.destinations[${j}]`;
      check(`${q}.host`, 'host', d.host);
      check(`${q}.port`, 'destinationPort', d.port);
      check(`${q}.priority`, 'priority', d.priority);
      check(`${q}.tls`, 'tls', d.tls);
      // OAuth2 logins are checked by the relay (Settings does not edit them yet).
      if (d.auth && d.auth.type !== 'oauth2') {
        check(`${q}.auth.user`, 'authUser', d.auth.user);
        check(`${q}.auth.passEnv`, 'passEnv', d.auth.passEnv);
      }
    });
  });
  for (const [name, prof] of Object.entries(c.bounceProfiles)) {
    check(`bounceProfiles.${name}`, 'profileName', name);
    for (const f of PROFILE_FIELDS) check(`bounceProfiles.${name}.${f.key}`, f.rule, prof[f.key]);
  }
  c.relayNetworks.forEach((n, i) => check(`relayNetworks[${i}]`, 'cidr', n));
  check('listen.host', 'host', c.listen.host);
  check('listen.port', 'listenPort', c.listen.port);
  return errors;
}

/**
 * Where the relay's rejection belongs: its `field`, or the path at the start
 * of a config message ("config: routes[0].destinations[1].port: must be …").
 */
/** Every field a (possibly multi-line) config error names, with its message; lines naming no field go to `rest`. */
export function fieldsOfError(e: Pick<ControlError, 'field' | 'message'>): { errors: Record<string, string>; rest: string[] } {
  const errors: Record<string, string> = {};
  const rest: string[] = [];
  const lines = e.message.split('\n');
  for (const line of lines) {
    const f = fieldOfError({ message: line, field: lines.length === 1 ? e.field : undefined });
    if (f.field && !(f.field in errors)) errors[f.field] = f.message;
    else if (!f.field) rest.push(f.message);
  }
  return { errors, rest };
}

export function fieldOfError(e: Pick<ControlError, 'field' | 'message'>): { field: string | null; message: string } {
  const m = /^(?:config|saved settings|configSet)?:?\s*((?:routes|bounceProfiles|relayNetworks|listen)[\w.[\]-]*): (.+)$/s.exec(e.message);
  if (m) return { field: m[1]!, message: m[2]! };
  if (e.field && e.field !== 'config') return { field: normalisePath(e.field.replace(/^config\./, '')), message: e.message };
  return { field: null, message: e.message };
}

/**
 * What a route's domain covers, in words (a route for ".corp.example" does not
 * take mail for corp.example itself — Postfix transport-map semantics — which
 * surprises people unless it is said where the route is edited).
 */
export function routeCoverage(domain: string): string {
  const d = domain.trim();
  if (d === '') return 'Enter a domain, .domain for its subdomains, or ALL.';
  if (d === 'ALL') return 'Covers every domain that has no route of its own.';
  if (d.startsWith('.')) return `Covers subdomains of ${d.slice(1)} (such as mail${d}), not ${d.slice(1)} itself.`;
  return `Covers ${d} only, not its subdomains (add .${d} for those).`;
}

/** The route domains for "this domain" or "this domain and its subdomains" (two entries: Postfix's way). */
export function domainsFor(domain: string, withSubdomains: boolean): string[] {
  const d = domain.trim().replace(/^\./, '');
  return withSubdomains ? [d, `.${d}`] : [d];
}

/** `routes.0.destinations.1.port` (zod path joined by dots) → `routes[0].destinations[1].port`. */
export function normalisePath(p: string): string {
  return p.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}
