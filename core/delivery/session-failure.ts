/**
 * session-failure: nodemailer's SMTPConnection errors read into Failures: the
 * phase of the conversation, the server's reply or the kind of network failure,
 * and a sentence for the operator (classify-result.ts decides what it means).
 */
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SMTPError } from 'nodemailer/lib/smtp-connection';
import type { Destination } from '../routing/routing-types.js';
import type { Failure, NetworkKind, Phase } from './classify-result.js';

/** System error codes that mean "nobody there", not "went away". */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EHOSTDOWN', 'ENETDOWN']);
const TLS_ERRNO = /^(ERR_SSL_|ERR_TLS_|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH)/;

/** nodemailer's command names → our phases. */
const COMMAND_PHASE: Record<string, Phase> = {
  EHLO: 'ehlo',
  HELO: 'ehlo',
  LHLO: 'ehlo',
  STARTTLS: 'starttls',
  'MAIL FROM': 'mail',
  'RCPT TO': 'rcpt',
};

/** Where an open failed and why, from what nodemailer reported. */
export function openFailure(err: SMTPError | undefined, conn: SMTPConnection, dest: Destination, fallback: Phase): Failure {
  const where = `${dest.host}:${dest.port}`;
  if (!err) return { phase: 'greeting', network: 'refused', message: `${where} closed the connection without a greeting` };
  const reply = replyOf(err);
  let phase: Phase;
  if (conn.upgrading || err.code === 'ETLS') phase = 'starttls';
  else if (err.code === 'EAUTH' || err.command?.startsWith('AUTH')) phase = 'auth';
  else if (err.command && COMMAND_PHASE[err.command]) phase = COMMAND_PHASE[err.command]!;
  else if (conn.stage === 'init') phase = 'connect';
  else phase = fallback;
  if (reply) return { phase, reply, message: `${where} answered ${phaseName(phase)} with ${firstLine(reply)}`, cause: err };
  const network = networkKind(err, conn, phase);
  return { phase, network, message: `${where}: ${describe(network, err)}`, cause: err };
}

/** How far a transaction got: DATA accepted (content streaming), all content and the final dot handed to the socket. */
export interface TransactionStage {
  dataStarted: boolean;
  contentSent: boolean;
}

export function transactionFailure(err: SMTPError | undefined, dest: Destination, stage: TransactionStage): Failure {
  const where = `${dest.host}:${dest.port}`;
  const reply = err ? replyOf(err) : undefined;
  let phase: Phase;
  if (err?.command === 'MAIL FROM') phase = 'mail';
  else if (err?.command === 'RCPT TO') phase = 'rcpt';
  // Both come with command "DATA": EENVELOPE is the DATA command refused,
  // EMESSAGE the reply to the final dot.
  else if (err?.command === 'DATA') phase = err.code === 'EMESSAGE' ? 'dot' : 'data';
  // No command on the error (a drop or a timeout): how far we got says
  // where. Once the whole message is out, the server may have taken it.
  else if (stage.contentSent) phase = 'dot';
  else phase = stage.dataStarted ? 'data' : 'mail';
  if (err?.code === 'EMESSAGE' && phase === 'mail' && !reply) {
    // nodemailer refuses before sending MAIL when SIZE says the message is
    // too big for this server: the server's answer, in effect (RFC 1870 §6.1).
    return { phase, reply: `552 5.3.4 ${err.message}`, message: `${where} does not accept messages this large`, cause: err };
  }
  if (reply) return { phase, reply, message: `${where} answered ${phaseName(phase)} with ${firstLine(reply)}`, cause: err };
  const network = err ? networkKind(err, undefined, phase) : 'dropped';
  return { phase, network, message: `${where}: ${describe(network, err)} during ${phaseName(phase)}`, cause: err };
}

/** The server's reply on the error, if it is one (starts with a reply code). */
function replyOf(err: SMTPError): string | undefined {
  const r = err.response?.trim();
  return r && /^[2-5]\d\d/.test(r) ? r : undefined;
}

function networkKind(err: SMTPError, conn: SMTPConnection | undefined, phase: Phase): NetworkKind {
  const errno = err.originalCode ?? err.code ?? '';
  if (err.code === 'EDNS') return 'dns';
  if (err.code === 'ETIMEDOUT') return 'timeout';
  if (phase === 'starttls' || err.code === 'ETLS' || TLS_ERRNO.test(errno)) return 'tls';
  if (UNREACHABLE.has(errno)) return 'refused';
  // Nothing heard from the server yet: nobody is really there.
  if (conn && conn.lastServerResponse === false) return 'refused';
  if (err.code === 'EPROTOCOL') return 'protocol';
  return 'dropped';
}

function describe(kind: NetworkKind, err: SMTPError | undefined): string {
  const detail = err ? (err.originalCode ? `${err.originalCode}: ${err.message}` : err.message) : 'connection closed';
  const what: Record<NetworkKind, string> = {
    refused: 'connection failed',
    timeout: 'timed out',
    dropped: 'connection lost',
    dns: 'host name did not resolve',
    tls: 'TLS failed',
    protocol: 'protocol error',
  };
  return `${what[kind]} (${detail})`;
}

function phaseName(p: Phase): string {
  const names: Record<Phase, string> = {
    connect: 'connect',
    greeting: 'the greeting',
    ehlo: 'EHLO',
    starttls: 'STARTTLS',
    auth: 'AUTH',
    mail: 'MAIL FROM',
    rcpt: 'RCPT TO',
    data: 'DATA',
    dot: 'end of data',
  };
  return names[p];
}

function firstLine(s: string): string {
  return s.split(/\r?\n/)[0] ?? s;
}
