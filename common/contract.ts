/**
 * contract: what crosses every transport between the core and its clients
 * (CLI, HTTP API, dashboard, Electron shell) — the operations' argument and
 * result shapes and the error body. The operations are in operations.ts, the
 * events in events.ts.
 */

export type HostStatus = 'up' | 'down' | 'unknown';

export interface StatusResult {
  version: string;
  hostname: string;
  startedAt: number;
  uptimeSeconds: number;
  listener: { host: string; port: number };
  queue: {
    messages: number;
    recipients: number;
    active: number;
    /** Seconds since the oldest queued message arrived; null when the queue is empty. */
    oldestMessageAgeSeconds: number | null;
  };
  delivered: { lastHour: number; total: number };
  bounced: { lastHour: number; total: number };
  spoolBytes: number;
  hosts: { up: number; down: number; unknown: number; suspended: number };
}

export interface HostSummary {
  /** host:port as configured. */
  host: string;
  /** The destination's name from the config ("Exchange"), null if it has none. */
  name: string | null;
  status: HostStatus;
  /** When the status last changed (ms since epoch). */
  since: number;
  suspended: boolean;
  activeConnections: number;
  /** Recipients waiting for this host (last tried there or first choice). */
  queued: number;
  delivered: number;
  /** Of `queued`, those waiting now (not in a delivery attempt): all of them while the host is Down. */
  deferred: number;
  /** Deliveries to this host deferred (4xx or lost) since the counters began: a total, not a gauge. */
  deferrals: number;
  hardBounced: number;
  lastError: string | null;
  /** While Down: when the next scheduled probe is due (a manual retry probes at once besides). */
  nextProbeAt: number | null;
  /** While Down: when the last probe began; null before the first. */
  lastProbeAt: number | null;
  /** While Down: how often it is probed ("checked every 5 s"). */
  probeEverySeconds: number | null;
}

export interface HostDetail extends HostSummary {
  priority: number | null;
  tls: 'none' | 'opportunistic' | 'required' | null;
  history: { status: 'up' | 'down'; at: number; reason: string | null }[];
}

export interface RecipientRow {
  mid: number;
  rid: number;
  sender: string;
  recipient: string;
  /** The message's Subject, decoded; null when unknown (spooled by an older version, or none). */
  subject: string | null;
  host: string | null;
  state: 'queued' | 'active';
  attempts: number;
  queuedAt: number;
  nextAttemptAt: number;
  lastError: string | null;
}

export interface Page<T> {
  items: T[];
  /** Rows matching the filter in the whole queue. */
  total: number;
  /** Opaque; pass back to get the next page; null at the end. */
  cursor: string | null;
}

/** ESA `oldmessage`: the oldest message still in the queue, and the recipients it waits on. */
export interface OldMessage {
  mid: number;
  sender: string;
  queuedAt: number;
  /** Bytes as received. */
  size: number;
  /** Oldest first, at most 1000. */
  recipients: RecipientRow[];
  /** Recipients still waiting, all of them. */
  pending: number;
}

export interface ShowRecipientsQuery {
  host?: string;
  sender?: string;
  recipient?: string;
  mid?: number;
  /** Matches sender, recipient, host or last error (case-insensitive). */
  text?: string;
  cursor?: string;
  /** 1–1000, default 100. */
  limit?: number;
}

export interface RetryResult {
  /** Recipients scheduled now. */
  scheduled: number;
  /** Follow `retry-progress` events with this id. */
  operationId: string;
}

export interface ActionResult {
  affected: number;
}

export type RecipientSelector = { mid: number; rid?: number } | { host: string };

export interface TlsDestination {
  host: string;
  name?: string;
  port: number;
  priority: number;
  tls: 'none' | 'opportunistic' | 'required';
  auth?: PasswordAuth | OAuth2Auth;
}

/** A password from an environment variable (the default `type`). */
export interface PasswordAuth {
  type?: 'password';
  user: string;
  passEnv: string;
}

/** OAuth2 client credentials, SASL XOAUTH2 (DESIGN.md "Destination auth and Microsoft 365"). */
export interface OAuth2Auth {
  type: 'oauth2';
  user: string;
  tenant: string;
  clientId: string;
  clientSecretEnv?: string;
  certificateFile?: string;
  privateKeyFile?: string;
  tokenUrl?: string;
  scope?: string;
}

/**
 * A Microsoft Graph destination as configured (config-schema.ts). The window
 * does not edit these yet: they travel beside a route's SMTP destinations in
 * `graph`, and configSet puts them back, so saving settings keeps them.
 */
export interface GraphDestinationSetting {
  type: 'graph';
  name?: string;
  priority: number;
  mailbox: string;
  tenant: string;
  clientId: string;
  clientSecretEnv?: string;
  certificateFile?: string;
  privateKeyFile?: string;
  graphUrl: string;
  tokenUrl?: string;
}

export interface EditableConfig {
  routes: { domain: string; destinations: TlsDestination[]; graph?: GraphDestinationSetting[]; bounceProfile: string }[];
  bounceProfiles: Record<
    string,
    {
      initialRetrySeconds: number;
      maxRetrySeconds: number;
      backoffFactor: number;
      maxRetries: number;
      maxQueueSeconds: number;
      delayWarningSeconds: number;
    }
  >;
  relayNetworks: string[];
  listen: { host: string; port: number };
}

export interface LogTailQuery {
  lines?: number;
  grep?: string;
  mid?: number;
}

export interface TestConnectionResult {
  ok: boolean;
  /** What the server said, or why it could not be reached. */
  detail: string;
  tls: boolean;
  millis: number;
}

/** Charts: the core's own history (kept in lowdb, survives restarts). */
export interface HistoryResult {
  /** One sample per minute, oldest first, up to 24 h: recipients queued at the sample, delivered and bounced during that minute. */
  samples: { at: number; queued: number; delivered: number; bounced: number }[];
  /** Up/down periods per host over the same window; `to` null means "still". */
  hosts: { host: string; name?: string | null; periods: { status: 'up' | 'down'; from: number; to: number | null; reason: string | null }[] }[];
}

/** Errors cross every transport in this shape. */
export interface ControlErrorBody {
  error: { code: string; message: string; field?: string };
}
