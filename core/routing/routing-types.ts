/**
 * routing-types: what routing hands to delivery.
 */
import type { OAuthCredential } from '../oauth/oauth-credential.js';
import type { TokenSource } from '../oauth/token-source.js';

export type TlsMode = 'none' | 'opportunistic' | 'required';

export interface Destination {
  /** "host:port" exactly as configured; the name hosts/ and the CLI use. */
  key: string;
  host: string;
  port: number;
  /** Lower is preferred (as in MX records and ESA SMTP routes). */
  priority: number;
  tls: TlsMode;
  /** Credentials for a smarthost: a password already read from its env var, or OAuth2 tokens (SASL XOAUTH2). */
  auth?: PasswordLogin | OAuth2Login | undefined;
  /** The operator's word for it ("Exchange"), shown wherever the host appears. */
  name?: string | undefined;
  /**
   * Named in a route (the office's own server): a Down one is probed on a
   * short fixed cadence. MX-resolved internet hosts are not, and back off.
   */
  configured?: boolean | undefined;
  /**
   * A Microsoft Graph destination (key `graph:{mailbox}`): delivery posts the
   * MIME to sendMail instead of speaking SMTP; `host`/`port` are graphUrl's.
   */
  graph?: GraphTarget | undefined;
}

export interface GraphTarget {
  /** The mailbox that sends (`/users/{mailbox}/sendMail`). */
  mailbox: string;
  /** Without a trailing slash, e.g. https://graph.microsoft.com. */
  graphUrl: string;
  /** The app's credential; scope https://graph.microsoft.com/.default unless graphUrl is a national cloud's. */
  credential: OAuthCredential;
  /** Its process-wide token source (one per credential, token-client.ts). */
  tokens: TokenSource;
}

export interface PasswordLogin {
  user: string;
  pass: string;
}

export interface OAuth2Login {
  /** The mailbox the relay logs in as. */
  user: string;
  tokens: TokenSource;
}

export interface ResolvedRoute {
  /** The route's domain as configured ("corp.example", ".example.com", "ALL"), or "MX". */
  routeDomain: string;
  bounceProfile: string;
  /** Every destination, sorted by priority (lowest first). */
  destinations: Destination[];
}

/** The DNS calls routing needs; node:dns/promises fits, tests inject fakes or a loopback resolver. */
export interface DnsLookup {
  resolveMx(domain: string): Promise<{ exchange: string; priority: number }[]>;
  resolve4(host: string): Promise<string[]>;
  resolve6(host: string): Promise<string[]>;
}
