/**
 * config-schema: the relay's JSON config file (DESIGN.md "Public contract") as
 * a zod schema with a default for every optional field, and the RelayConfig type
 * core/ reads. Strict objects: a typo is an error, never a silent default.
 * Additions to the contract, all optional: `delivery`, `log`, limits'
 * connection and session keys, Graph destinations (`type: "graph"`); `listen`
 * may be an array of listeners.
 */
import { isIP } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { z } from 'zod';
import { isAllowedEndpoint } from '../oauth/oauth-credential.js';
import { destinationAuthSchema } from './auth-schema.js';
import { cidr } from './network-schema.js';
import { alertsSchema, metricsSchema } from './alerts-schema.js';

// Listeners may take port 0, "any free port" (tests and ephemeral setups);
// a destination never can: it is a real server's port.
const port = z.number().int('must be a whole number').min(0, 'must be 0–65535 (0: any free port)').max(65535, 'must be 0–65535 (0: any free port)');
const destinationPort = z.number().int('must be a whole number').min(1, 'must be 1–65535').max(65535, 'must be 1–65535');
const seconds = z.number().nonnegative('must be zero or more seconds').finite();

// RFC 1035 host names, plus IP literals for destinations and the listener.
const hostNameRe = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i;
const hostOrIp = z
  .string()
  .refine((s) => isIP(s) !== 0 || hostNameRe.test(s), { message: 'must be a host name or IP address' });

const routeDomain = z.string().refine((s) => s === 'ALL' || hostNameRe.test(s.replace(/^\./, '')), {
  message: 'must be a domain, .domain for its subdomains, or ALL',
});

/**
 * The operator's word for a destination ("Exchange"), shown in the CLI, the
 * window, the tray and notifications, and accepted wherever a command takes
 * HOST. Printable text only: it lands in notifications and the mail log.
 */
const destinationName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters');

export const destinationSchema = z.strictObject({
  host: hostOrIp,
  name: destinationName.optional(),
  port: destinationPort.default(25),
  priority: z.number().int('must be a whole number').min(0, 'must be 0 or more').default(0),
  tls: z.enum(['none', 'opportunistic', 'required']).default('opportunistic'),
  auth: destinationAuthSchema.optional(),
});

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

/**
 * An OAuth2 or Graph endpoint: https://, or http:// to a loopback address only
 * (the tests' fakes): requests carry a client secret or a bearer token.
 */
const endpointUrl = z
  .string()
  .refine((s) => isAllowedEndpoint(s), 'must be an https:// URL (http:// only for a loopback address)')
  .refine((s) => !URL.canParse(s) || (new URL(s).search === '' && new URL(s).hash === ''), 'must not carry a query or fragment')
  .transform((s) => s.replace(/\/+$/, ''));

/**
 * A Microsoft Graph destination (DESIGN.md "Contract additions"): mail goes
 * to `POST {graphUrl}/v1.0/users/{mailbox}/sendMail` as MIME, with an app
 * token from the client-credentials grant (a client secret from the
 * environment, or a certificate). Its host key is `graph:{mailbox}`.
 */
export const graphDestinationSchema = z
  .preprocess(
    (v, ctx) => {
      if (v && typeof v === 'object' && 'clientSecret' in v) {
        ctx.issues.push({
          code: 'custom',
          input: v,
          path: ['clientSecret'],
          message: 'secrets may not be written in the config; set clientSecretEnv to the name of an environment variable that holds it',
        });
      }
      return v;
    },
    z.strictObject({
      type: z.literal('graph'),
      name: destinationName.optional(),
      priority: z.number().int('must be a whole number').min(0, 'must be 0 or more').default(0),
      mailbox: z
        .string()
        .max(254, 'must be at most 254 characters')
        .regex(/^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/, 'must be the address of the mailbox that sends, e.g. relay@corp.example'),
      tenant: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,253})$/, 'must be the tenant ID (a GUID) or a domain such as corp.onmicrosoft.com'),
      clientId: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be the Application (client) ID of the app registration'),
      clientSecretEnv: envName.optional(),
      certificateFile: z.string().min(1, 'must not be empty').optional(),
      privateKeyFile: z.string().min(1, 'must not be empty').optional(),
      graphUrl: endpointUrl.default('https://graph.microsoft.com'),
      tokenUrl: endpointUrl.optional(),
    }),
  )
  .superRefine((d, ctx) => {
    // One credential, said plainly: a secret, or a certificate with its key.
    const cert = d.certificateFile !== undefined || d.privateKeyFile !== undefined;
    if (d.clientSecretEnv !== undefined && cert) {
      ctx.addIssue({ code: 'custom', path: ['clientSecretEnv'], message: 'give either clientSecretEnv or certificateFile + privateKeyFile, not both' });
    } else if (d.clientSecretEnv === undefined && !cert) {
      ctx.addIssue({ code: 'custom', path: ['clientSecretEnv'], message: 'is required (or certificateFile + privateKeyFile)' });
    } else if (cert && d.certificateFile === undefined) {
      ctx.addIssue({ code: 'custom', path: ['certificateFile'], message: 'is required with privateKeyFile' });
    } else if (cert && d.privateKeyFile === undefined) {
      ctx.addIssue({ code: 'custom', path: ['privateKeyFile'], message: 'is required with certificateFile' });
    }
  });

/**
 * A route's destination: `"type": "graph"` picks the Graph schema; without
 * `type` it is SMTP, as before. Chosen by `type` first so errors name the
 * fields of the kind meant, not a union's "invalid input".
 */
export const routeDestinationSchema = z.unknown().transform((v, ctx): z.output<typeof destinationSchema> | z.output<typeof graphDestinationSchema> => {
  const graph = v !== null && typeof v === 'object' && 'type' in v;
  const r = graph ? graphDestinationSchema.safeParse(v) : destinationSchema.safeParse(v);
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.issues.push({ ...issue, input: v } as (typeof ctx.issues)[number]);
  return z.NEVER;
});

export type SmtpDestinationConfig = z.output<typeof destinationSchema>;
export type GraphDestinationConfig = z.output<typeof graphDestinationSchema>;
export type DestinationConfig = SmtpDestinationConfig | GraphDestinationConfig;

export function isGraphDestination(d: DestinationConfig): d is GraphDestinationConfig {
  return 'type' in d && d.type === 'graph';
}

/** The key hosts/ and the CLI know a destination by: `host:port`, or `graph:{mailbox}`. */
export function destinationKey(d: DestinationConfig): string {
  return isGraphDestination(d) ? `graph:${d.mailbox.toLowerCase()}` : `${d.host}:${d.port}`;
}

export const bounceProfileSchema = z.strictObject({
  initialRetrySeconds: seconds.default(60),
  maxRetrySeconds: seconds.default(3600),
  backoffFactor: z.number().min(1, 'must be 1 or more').finite().default(2),
  maxRetries: z.number().int('must be a whole number').min(0).default(100),
  maxQueueSeconds: seconds.default(259200),
  delayWarningSeconds: seconds.default(0),
});

/**
 * Inbound limits. The per-client limit and the reserve protect the office's
 * own devices from a few clients that take every connection: a client gets at most maxConnectionsPerClient (Exchange's default per
 * source is 20; Postfix uses 50 of 100, but exempts mynetworks, which here is
 * every legitimate client), and clients outside relayNetworks, which can
 * never relay anyway, share at most maxConnections - reservedForRelayNetworks.
 * Both default from maxConnections so that a config that sets only it stays
 * valid; at 100, one client (20) cannot fill the reserve (30).
 * sessionTimeoutSeconds: 600 s carries 25 MiB at 350 kbit/s, slower than any LAN.
 * idleTimeoutSeconds: 60 s, as before (smtp-server's default); RFC 5321
 * 4.5.3.2.7 suggests 5 minutes, which is for the open internet, not a LAN.
 */
const positiveSeconds = (max: number) =>
  z.number().finite().positive('must be more than 0 seconds').max(max, `must be at most ${max} seconds`);

export const limitsSchema = z
  .strictObject({
    maxMessageBytes: z.number().int().min(1024, 'must be at least 1024').default(26214400),
    maxRecipients: z.number().int().min(1, 'must be at least 1').default(100),
    maxConnections: z.number().int().min(1, 'must be at least 1').default(100),
    maxConnectionsPerClient: z.number().int().min(1, 'must be at least 1').optional(),
    reservedForRelayNetworks: z.number().int().min(0, 'must be 0 or more').optional(),
    sessionTimeoutSeconds: positiveSeconds(86400).default(600),
    idleTimeoutSeconds: positiveSeconds(3600).default(60),
  })
  .superRefine((l, ctx) => {
    for (const key of ['maxConnectionsPerClient', 'reservedForRelayNetworks'] as const) {
      const v = l[key];
      if (v !== undefined && v > l.maxConnections) {
        ctx.addIssue({ code: 'custom', path: [key], message: `must not exceed limits.maxConnections (${l.maxConnections})` });
      }
    }
  })
  .transform(({ maxConnectionsPerClient, reservedForRelayNetworks, ...l }) => ({
    ...l,
    maxConnectionsPerClient: maxConnectionsPerClient ?? Math.min(20, l.maxConnections),
    reservedForRelayNetworks: reservedForRelayNetworks ?? Math.floor(l.maxConnections * 0.3),
  }));

/**
 * One SMTP listener. `tls`: none, STARTTLS offered, or implicit TLS from the
 * first byte (RFC 8314, port 465). `auth`: AUTH not offered, offered, or
 * required before MAIL. AUTH is offered only once TLS is up unless
 * allowAuthWithoutTls (old devices on a trusted LAN; status warns).
 */
export type ListenerConfig = z.output<typeof listenerSchema>;
export const listenerSchema = z.strictObject({
  host: hostOrIp.default('127.0.0.1'),
  port: port.default(2525),
  tls: z.enum(['none', 'starttls', 'implicit']).default('none'),
  auth: z.enum(['none', 'optional', 'required']).default('none'),
  allowAuthWithoutTls: z.boolean().default(false),
});

const listenerList = z.array(listenerSchema).min(1, 'must list at least one listener');

/**
 * `listen`: one listener (the original shape) or an array. Not a z.union:
 * that reports only "Invalid input" for a bad field; this picks the shape by
 * the value's type so every error names its field (listen[1].port).
 */
const listenSchema = z.unknown().optional().transform((v, ctx): ListenerConfig | ListenerConfig[] => {
  const r = Array.isArray(v) ? listenerList.safeParse(v) : listenerSchema.safeParse(v ?? {});
  if (r.success) return r.data;
  for (const issue of r.error.issues) ctx.issues.push({ ...issue, input: v } as never);
  return z.NEVER;
});

/**
 * The control API and dashboard. Off loopback only with TLS (DESIGN.md
 * "Contract additions"): the bearer token and the mail log must not cross a
 * LAN in the clear. `tls`: its own PEM pair, or "listener" for the SMTP
 * listeners' certificate (config `tls`, else the self-signed one).
 */
const pemPair = z.strictObject({ certFile: z.string().min(1, 'must name a PEM file'), keyFile: z.string().min(1, 'must name a PEM file') });
const controlSchema = z
  .strictObject({ host: hostOrIp.default('127.0.0.1'), port: port.default(8025), tls: z.union([z.literal('listener'), pemPair]).optional() })
  .superRefine((c, ctx) => {
    if (c.tls === undefined && !isLoopbackHost(c.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: `is required to bind control.host ${c.host}, which is not a loopback address: give {"certFile", "keyFile"} or "listener" (the token would cross the network in the clear)`,
      });
    }
  });

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

export const routeSchema = z.strictObject({
  domain: routeDomain,
  destinations: z.array(routeDestinationSchema).min(1, 'must list at least one destination'),
  bounceProfile: z.string().default('default'),
});

export const configSchema = z
  .strictObject({
    hostname: z
      .string()
      .refine((s) => hostNameRe.test(s), 'must be a host name')
      .default(() => safeHostname()),
    // One listener (the original shape) or several; listenersOf() reads both.
    listen: listenSchema,
    tls: pemPair.optional(),
    relayNetworks: z.array(cidr).default(['127.0.0.0/8', '::1/128']),
    limits: limitsSchema.prefault({}),
    control: controlSchema.default({ host: '127.0.0.1', port: 8025 }),
    routes: z.array(routeSchema).default([]),
    bounceProfiles: z.record(z.string(), bounceProfileSchema).default({}),
    delivery: z
      .strictObject({
        maxConnectionsPerHost: z.number().int().min(1).max(100).default(10),
        connectTimeoutSeconds: seconds.default(30),
        commandTimeoutSeconds: seconds.default(60),
        // The reply to the final dot: RFC 5321 §4.5.3.2.6 suggests 10 minutes;
        // 5 suit a LAN server and still cover a slow antivirus scan of a large
        // attachment. Never 0: that would wait forever.
        dataTimeoutSeconds: z.number().positive('must be more than 0 seconds').finite().default(300),
        // Probing a Down host (host-prober.ts): a destination named in a route
        // (the office's own server) every probeMaxSeconds, so mail flows within
        // seconds of it coming back; an MX-resolved internet host from
        // probeInitialSeconds, doubling up to mxProbeMaxSeconds. Never 0: that
        // would probe in a busy loop.
        probeInitialSeconds: positiveSeconds(86400).default(10),
        probeMaxSeconds: positiveSeconds(3600).default(5),
        mxProbeMaxSeconds: positiveSeconds(86400).default(300),
        idleConnectionSeconds: seconds.default(10),
      })
      .default({
        maxConnectionsPerHost: 10,
        connectTimeoutSeconds: 30,
        commandTimeoutSeconds: 60,
        dataTimeoutSeconds: 300,
        probeInitialSeconds: 10,
        probeMaxSeconds: 5,
        mxProbeMaxSeconds: 300,
        idleConnectionSeconds: 10,
      }),
    // Pickup folder (IIS SMTP convention, issue 14; core/pickup/): .eml files
    // dropped here are spooled like SMTP intake. Absent = no pickup. Polled
    // only (no fs.watch): a poll works the same on every file system, shares included.
    pickup: z
      .strictObject({
        dir: z.string().min(1, 'must name a folder'),
        pollSeconds: z.number().positive('must be more than 0 seconds').max(3600).default(2),
      })
      .optional(),
    log: z
      .strictObject({
        maxBytes: z.number().int().min(4096).default(10 * 1024 * 1024),
        keep: z.number().int().min(1).max(100).default(5),
      })
      .default({ maxBytes: 10 * 1024 * 1024, keep: 5 }),
    metrics: metricsSchema,
    alerts: alertsSchema,
  })
  .superRefine((cfg, ctx) => {
    // A route naming a profile that does not exist is a typo, not a default.
    cfg.routes.forEach((r, i) => {
      if (r.bounceProfile !== 'default' && !(r.bounceProfile in cfg.bounceProfiles)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'bounceProfile'],
          message: `names a bounce profile "${r.bounceProfile}" that is not defined in bounceProfiles`,
        });
      }
    });
    const seen = new Map<string, number>();
    cfg.routes.forEach((r, i) => {
      const key = r.domain.toLowerCase();
      const prev = seen.get(key);
      if (prev !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'domain'],
          message: `repeats the domain of routes[${prev}]`,
        });
      }
      seen.set(key, i);
    });
    checkDestinationNames(cfg.routes, ctx);
    checkListeners(cfg.listen, ctx);
  })
  .transform((cfg) => ({
    ...cfg,
    // Every profile gets the defaults filled in; "default" always exists.
    bounceProfiles: { default: bounceProfileSchema.parse({}), ...cfg.bounceProfiles } as Record<string, z.output<typeof bounceProfileSchema>> & {
      default: z.output<typeof bounceProfileSchema>;
    },
  }));

export type RelayConfig = z.output<typeof configSchema>;

/** Every listener, in config order, whichever shape `listen` was written in. */
export function listenersOf(c: Pick<RelayConfig, 'listen'>): ListenerConfig[] {
  return Array.isArray(c.listen) ? c.listen : [c.listen];
}

/** Two listeners on one address and port cannot both bind; AUTH that can never be offered is a mistake. */
function checkListeners(listen: ListenerConfig | ListenerConfig[], ctx: z.RefinementCtx): void {
  const list = Array.isArray(listen) ? listen : [listen];
  const at = (i: number): (string | number)[] => (Array.isArray(listen) ? ['listen', i] : ['listen']);
  const seen = new Map<string, number>();
  list.forEach((l, i) => {
    const key = `${l.host.toLowerCase()}:${l.port}`;
    const prev = seen.get(key);
    if (l.port !== 0 && prev !== undefined) {
      ctx.addIssue({ code: 'custom', path: [...at(i), 'port'], message: `repeats listen[${prev}] (${key}); each listener needs its own address and port` });
    }
    seen.set(key, i);
    if (l.auth === 'required' && l.tls === 'none' && !l.allowAuthWithoutTls) {
      ctx.addIssue({
        code: 'custom',
        path: [...at(i), 'auth'],
        message: '"required" needs tls "starttls" or "implicit" (AUTH is offered only after TLS), or allowAuthWithoutTls: true',
      });
    }
  });
}
export type RouteConfig = z.output<typeof routeSchema>;
export type BounceProfile = z.output<typeof bounceProfileSchema>;

/**
 * A name picks one destination: two destinations may not share it (compared
 * without case, as commands match it), and one host:port named in several
 * routes carries one name (or none).
 */
function checkDestinationNames(routes: readonly z.output<typeof routeSchema>[], ctx: z.RefinementCtx): void {
  const byName = new Map<string, { key: string; at: string }>();
  const byKey = new Map<string, { name: string | undefined; at: string }>();
  routes.forEach((r, i) =>
    r.destinations.forEach((d, j) => {
      const at = `routes[${i}].destinations[${j}]`;
      const key = destinationKey(d);
      const path = ['routes', i, 'destinations', j, 'name'];
      const sameKey = byKey.get(key);
      if (sameKey && sameKey.name !== d.name) {
        ctx.addIssue({ code: 'custom', path, message: `${key} is named "${sameKey.name ?? ''}" in ${sameKey.at}; one destination has one name` });
      } else if (!sameKey) byKey.set(key, { name: d.name, at });
      if (d.name === undefined) return;
      const sameName = byName.get(d.name.toLowerCase());
      if (sameName && sameName.key !== key) {
        ctx.addIssue({ code: 'custom', path, message: `repeats the name of ${sameName.at} (${sameName.key}); names must be unique` });
      } else if (!sameName) byName.set(d.name.toLowerCase(), { key, at });
    }),
  );
}

function safeHostname(): string {
  const h = osHostname();
  return hostNameRe.test(h) ? h : 'relaywatch.localdomain';
}
