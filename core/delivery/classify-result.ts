/**
 * classify-result: what one delivery failure means, as the rule table of
 * DESIGN.md's behaviour table (SMTP phase × reply class → host effect, recipient
 * effect, next host or not), and the RelayError each outcome carries. classify() is total.
 */
import { parseEnhancedStatus, RelayError, type RelayErrorCode } from '../errors/relay-error.js';

/** Where in the SMTP conversation it happened (RFC 5321 §3–§4). */
export type Phase =
  | 'connect' // DNS lookup of the host and the TCP connect
  | 'greeting' // waiting for the 220
  | 'ehlo' // EHLO, or HELO after EHLO was refused
  | 'starttls' // the STARTTLS command and the TLS handshake (RFC 3207)
  | 'auth' // AUTH (RFC 4954)
  | 'mail' // MAIL FROM
  | 'rcpt' // RCPT TO, one recipient
  | 'data' // the DATA command and streaming the content
  | 'dot'; // the reply to the final "."

/** The first digit of the reply; `none` when there was no reply (network, timeout, TLS). */
export type ReplyClass = '2xx' | '4xx' | '5xx' | 'none';

/** Why there was no reply. */
export type NetworkKind = 'refused' | 'timeout' | 'dropped' | 'dns' | 'tls' | 'protocol';

export interface Failure {
  phase: Phase;
  /** The server's full reply ("452 4.3.1 Insufficient system resources"), when there is one. */
  reply?: string | undefined;
  /** When there was no (usable) reply: what went wrong on the wire. */
  network?: NetworkKind | undefined;
  /** A sentence for the operator, e.g. "connection to 10.1.1.5:25 refused". */
  message: string;
  cause?: unknown;
  /**
   * An OAuth2 token endpoint refused the destination's credential (phase
   * `auth`, nothing sent to the host): the error as the token client worded it.
   */
  credential?: RelayError | undefined;
}

/**
 * What it says about the destination: `answered` = Up; `failed` = Down (it
 * cannot serve mail: refused, no greeting, TLS, DNS); `lost` = it greeted and
 * took part in this transaction, which then died without a reply: that
 * message's failure, not the host's. The host stays Up; only the same thing
 * happening to several different messages in a row marks it Down
 * (host-registry.ts decides).
 */
export type HostEffect = 'answered' | 'failed' | 'lost';
/**
 * What happens to the recipients it concerns: `retry` leaves them deferred
 * for this host (the next host of this attempt gets them when `nextHost`,
 * else the attempt ends and they wait for their back-off), `bounce` fails
 * them now.
 */
export type RecipientEffect = 'delivered' | 'retry' | 'bounce';

export interface Rule {
  host: HostEffect;
  recipients: RecipientEffect;
  nextHost: boolean;
  /** The `reason:` of the mail log's Connection Error line. */
  reason: string;
  /** Overrides the RelayError code (default ERESPONSE for replies, by NetworkKind otherwise). */
  code?: RelayErrorCode;
  /** Forces this enhanced status (else: the reply's own, else derived from the class or NetworkKind). */
  enhanced?: string;
}

const hostDown = (reason: string, extra: Partial<Rule> = {}): Rule => ({ host: 'failed', recipients: 'retry', nextHost: true, reason, ...extra });
const tryNext = (reason: string, extra: Partial<Rule> = {}): Rule => ({ host: 'answered', recipients: 'retry', nextHost: true, reason, ...extra });
const bounce = (reason: string): Rule => ({ host: 'answered', recipients: 'bounce', nextHost: false, reason });
/**
 * A transaction that died without a reply (DESIGN.md: "connection lost or
 * reply timeout after the greeting"): the host stays Up and the message is
 * deferred on its back-off, not handed to the next host at once. Once DATA
 * began it may have arrived (whether the server read the final dot cannot be
 * told from here: the content sits in socket buffers before the server reads
 * it), and a message that makes one server drop the connection is not
 * improved by an instant second try elsewhere.
 */
const lost = (reason: string): Rule => ({ host: 'lost', recipients: 'retry', nextHost: false, reason });
const delivered: Rule = { host: 'answered', recipients: 'delivered', nextHost: false, reason: 'delivered' };

type PhaseRules = Record<Exclude<ReplyClass, '2xx'>, Rule> & { '2xx'?: Rule };

/**
 * The behaviour table. Any reply means the host is Up. No reply (`none`)
 * while the session is being set up (connect, greeting, EHLO, STARTTLS, AUTH)
 * means it is not serving mail right now, whatever the message: Down, next
 * host. No reply once a transaction is under way (MAIL onward) is `lost`:
 * the server was serving and failed on this message, which is deferred; the
 * host stays Up, so one message a server chokes on neither takes the host
 * down nor, through the host's "up" event, gets resent at every probe.
 */
export const RULES: Readonly<Record<Phase, PhaseRules>> = {
  connect: {
    '4xx': tryNext('unexpected SMTP response'),
    '5xx': tryNext('unexpected SMTP response'),
    none: hostDown('unable to connect'),
  },
  greeting: {
    // 421 on greeting: busy or shutting down, but alive (DESIGN.md).
    '4xx': tryNext('unexpected SMTP response'),
    // A 554 greeting refuses this client, not this message: like Postfix's
    // smtp_skip_5xx_greeting (default yes), try the next host and keep the
    // mail queued rather than bounce it for a server's mood.
    '5xx': tryNext('refused to talk to me'),
    none: hostDown('no greeting'),
  },
  ehlo: {
    '4xx': tryNext('unexpected SMTP response'),
    '5xx': tryNext('refused EHLO and HELO'),
    none: hostDown('connection lost'),
  },
  starttls: {
    // TLS was required (by `tls: required`, or because credentials must not
    // travel in clear) and the host would not do it: the table's "TLS
    // failure" row. It answers SMTP, but it cannot take this route's mail
    // until someone fixes its TLS (or the route's setting), so it is treated
    // as Down: the next host gets the mail and the prober watches this one.
    '4xx': hostDown('TLS required but not available', { code: 'ETLS', enhanced: '4.7.4' }),
    '5xx': hostDown('TLS required but not available', { code: 'ETLS', enhanced: '4.7.4' }),
    none: hostDown('TLS failure', { code: 'ETLS', enhanced: '4.7.5' }),
  },
  auth: {
    // Refused credentials are a local configuration problem that the operator
    // fixes; like Postfix's smtp_sasl_auth_soft_bounce (default yes) the mail
    // waits for the fix instead of bouncing.
    '4xx': tryNext('authentication failed', { code: 'EAUTH' }),
    '5xx': tryNext('authentication failed', { code: 'EAUTH' }),
    none: hostDown('connection lost'),
  },
  mail: {
    '4xx': tryNext('unexpected SMTP response'),
    '5xx': bounce('sender or message rejected'),
    none: lost('connection lost'),
  },
  rcpt: {
    '4xx': tryNext('recipient deferred'),
    '5xx': bounce('recipient rejected'),
    none: lost('connection lost'),
  },
  data: {
    '4xx': tryNext('unexpected SMTP response'),
    '5xx': bounce('message rejected'),
    none: lost('connection lost during DATA'),
  },
  dot: {
    '2xx': delivered,
    '4xx': tryNext('message deferred'),
    '5xx': bounce('message rejected'),
    // No reply to the final dot (dropped, or past delivery.dataTimeoutSeconds):
    // it may have been taken. Its retry waits for the back-off, which risks
    // a duplicate, never a loss (DESIGN.md "Durability"), as Postfix does
    // after "lost connection ... while sending end of data".
    none: lost('no reply to end of data'),
  },
};

/** Details of each kind of "no reply", with RFC 3463 codes (as Postfix uses them). */
export const NETWORK: Readonly<Record<NetworkKind, { code: RelayErrorCode; enhanced: string; reason: string }>> = {
  refused: { code: 'ECONNECTION', enhanced: '4.4.1', reason: 'connection refused' }, // X.4.1 no answer from host
  timeout: { code: 'ETIMEDOUT', enhanced: '4.4.2', reason: 'timed out' }, // X.4.2 bad connection
  dropped: { code: 'ECONNECTION', enhanced: '4.4.2', reason: 'connection lost' },
  dns: { code: 'EDNS', enhanced: '4.4.3', reason: 'host name lookup failed' }, // X.4.3 directory server failure
  tls: { code: 'ETLS', enhanced: '4.7.5', reason: 'TLS failure' }, // X.7.5 cryptographic failure
  protocol: { code: 'EPROTOCOL', enhanced: '4.5.0', reason: 'protocol error' }, // X.5.0 other protocol status
};

export interface Verdict {
  rule: Rule;
  error: RelayError;
  /** `reason:` for the log: the rule's, or the network kind's when more specific. */
  reason: string;
}

export function replyClass(reply: string | undefined): ReplyClass {
  const d = reply?.trimStart()[0];
  if (d === '2' || d === '3') return '2xx';
  if (d === '4') return '4xx';
  if (d === '5') return '5xx';
  return 'none';
}

/**
 * The token endpoint refused the credential: a configuration error like a
 * refused login (the host greeted; the mail waits for the fix, next host).
 */
const CREDENTIAL_REFUSED: Rule = tryNext('OAuth2 credential refused', { code: 'EAUTH' });

export function classify(f: Failure): Verdict {
  if (f.credential) return { rule: CREDENTIAL_REFUSED, error: f.credential, reason: CREDENTIAL_REFUSED.reason };
  const rules = RULES[f.phase];
  let cls: ReplyClass = f.network ? 'none' : replyClass(f.reply);
  // A positive reply where a failure was reported (e.g. 354 after a refused
  // envelope) is the peer breaking the protocol.
  let rule = cls === '2xx' ? rules['2xx'] : rules[cls];
  if (!rule) {
    cls = 'none';
    rule = rules.none;
  }
  const temporary = rule.recipients !== 'bounce';
  if (cls === 'none') {
    const net = NETWORK[f.network ?? 'protocol'];
    // A rule with its own code (STARTTLS) is more specific than the network kind.
    const error = new RelayError({
      code: rule.code ?? net.code,
      message: f.message,
      enhanced: rule.enhanced ?? net.enhanced,
      response: f.reply,
      temporary: true,
      cause: f.cause,
    });
    return { rule, error, reason: rule.code ? rule.reason : net.reason };
  }
  const reply = (f.reply ?? '').trim();
  const smtpCode = Number(reply.slice(0, 3));
  let enhanced = rule.enhanced ?? parseEnhancedStatus(reply) ?? `${cls[0]}.0.0`;
  // A 5xx that this table treats as temporary (a refused greeting, refused
  // credentials) must not carry a permanent status into a delay warning
  // (RFC 3464 §2.3.4: "delayed" goes with a 4.x.x status).
  if (temporary && enhanced.startsWith('5')) enhanced = `4${enhanced.slice(1)}`;
  const error = new RelayError({
    code: rule.code ?? 'ERESPONSE',
    message: f.message,
    smtpCode: Number.isInteger(smtpCode) && smtpCode > 0 ? smtpCode : undefined,
    enhanced,
    temporary,
    response: reply,
    cause: f.cause,
  });
  return { rule, error, reason: rule.reason };
}
