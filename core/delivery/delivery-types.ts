/**
 * delivery-types: the contract between the scheduler and the delivery engine:
 * a DeliveryJob is one message's recipients that share a route; each ends the
 * attempt with exactly one outcome (delivered, deferred or bounced).
 */
import type { Readable } from 'node:stream';
import type { RelayError } from '../errors/relay-error.js';
import type { Destination } from '../routing/routing-types.js';

export interface DeliveryJob {
  mid: number;
  /** '' is the null sender. */
  sender: string;
  recipients: { rid: number; address: string }[];
  /** The recipients' domain, for log lines. */
  domain: string;
  /**
   * Destinations to try in this attempt, in order (priority, then round-robin
   * among equal priorities). Hosts that are Down or suspended are already left
   * out by the caller.
   */
  destinations: Destination[];
  size: number;
  /** A fresh stream of the spooled content, opened once per host tried. */
  openContent: () => Promise<Readable>;
}

export type RecipientOutcome =
  | { rid: number; outcome: 'delivered'; host: string; response: string }
  | {
      rid: number;
      outcome: 'deferred';
      host: string | undefined;
      error: RelayError;
      /** The destination asked not to be tried before this instant (Graph's Retry-After); the scheduler waits at least until then. */
      notBefore?: number | undefined;
    }
  | { rid: number; outcome: 'bounced'; host: string | undefined; error: RelayError };

/** What one destination did for one recipient within an attempt (delivery-engine.ts walks the destinations). */
export type HostResult =
  | { kind: 'delivered'; response: string }
  | { kind: 'bounced'; error: RelayError }
  | { kind: 'retry'; error: RelayError; notBefore?: number | undefined }
  /** Deferred without trying the next host: the transaction was lost after the greeting (it may have arrived). */
  | { kind: 'defer'; error: RelayError; notBefore?: number | undefined }
  /** Stop this attempt (spool unreadable, shutdown): the next host would fare no better. */
  | { kind: 'stop'; error: RelayError };

export interface DeliveryReport {
  /** Exactly one per recipient of the job, in the job's order. */
  outcomes: RecipientOutcome[];
}

/** What the engine tells hosts/ as it goes (host status is owned there). */
export interface HostFeedback {
  /** The host answered like an SMTP server (any reply code): it is Up. */
  hostAnswered(key: string): void;
  /** Connection refused, timeout, DNS or TLS failure: it is Down. */
  hostFailed(key: string, error: RelayError): void;
  /**
   * A transaction of message `mid` died without a reply after the greeting
   * (dropped, or no reply in time). Not a verdict on the host by itself:
   * hosts/ marks it Down only when this keeps happening to different messages.
   */
  transactionLost(key: string, mid: number, error: RelayError): void;
  /** A transaction got its replies (delivered, or refused with a code): the host serves mail. */
  transactionAnswered(key: string): void;
  connectionOpened(key: string): void;
  connectionClosed(key: string): void;
  /** Counts per host for tophosts. */
  recipientsDelivered(key: string, n: number): void;
  recipientsFailed(key: string, n: number): void;
}

export interface DeliveryEngine {
  deliver(job: DeliveryJob): Promise<DeliveryReport>;
  /** Quits idle connections; waits for in-flight jobs up to the deadline. */
  close(deadlineMs: number): Promise<void>;
}
