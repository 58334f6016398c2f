/**
 * spool-types: the on-disk envelope shape and the SpoolStore interface.
 */
import type { Readable } from 'node:stream';

/** 'alert': an alert email of core/alerts/ (a notice: it never bounces and is not counted as mail). */
export type MessageKind = 'normal' | 'ndr' | 'delay-warning' | 'alert';

export interface SpoolRecipient {
  /** ESA-style RID: the recipient's index within its message, 0-based. */
  rid: number;
  /** The address as given in RCPT TO, without angle brackets. */
  address: string;
}

export interface SpoolEnvelope {
  mid: number;
  kind: MessageKind;
  /** Envelope sender; '' is the null sender <>. */
  sender: string;
  recipients: SpoolRecipient[];
  /** ms since epoch when the 250 was given (or the NDR was generated). */
  receivedAt: number;
  /** Inbound connection id; 0 for messages the relay made itself. */
  icid: number;
  clientAddress: string;
  clientHelo: string;
  /** The client's Subject, RFC 2047-decoded and capped, for the Queue view; absent in older spool files. */
  subject?: string | undefined;
  /** The account the client authenticated as (SMTP AUTH); absent without AUTH and in older spool files. */
  user?: string | undefined;
  /** For NDRs and delay warnings: the MID they report on. */
  originalMid?: number | undefined;
}

export interface SpooledMessage {
  envelope: SpoolEnvelope;
  /** Size of the message content in bytes (headers + body, CRLF line ends). */
  size: number;
}

export interface SpoolStore {
  /** Creates folders, removes stale temp files, and learns the highest MID. */
  init(): Promise<void>;
  /** A new MID, unique and increasing across restarts (reserved in blocks, fsynced). */
  allocateMid(): Promise<number>;
  /**
   * Writes envelope + content durably: temp file, fsync, rename, fsync of the
   * directory (group-committed with concurrent writers). Resolves only when all
   * of that is done. On failure nothing is left behind and it throws a
   * RelayError (ENOSPACE for a full disk, ESPOOL otherwise).
   * `content` may be a Buffer or a stream; a stream that errors aborts the write.
   */
  write(envelope: SpoolEnvelope, content: Buffer | Readable): Promise<SpooledMessage>;
  /** The message content (without the envelope) as a stream. */
  /** `size`: the content's length if known; lets a small message be read in one go. */
  openContent(mid: number, size?: number): Promise<Readable>;
  /** The whole content in memory (for small messages and NDR generation). */
  readContent(mid: number): Promise<Buffer>;
  /** Reads only the header block of the content (up to the first blank line, capped). */
  readHeaders(mid: number): Promise<Buffer>;
  /** Removes a message whose recipients are all done. */
  remove(mid: number): Promise<void>;
  /**
   * Every readable message in the spool, for reconciliation at start. A file that
   * cannot be parsed is moved to corrupt/ and reported through onCorrupt.
   */
  scan(onCorrupt: (file: string, reason: string) => void): AsyncIterable<SpooledMessage>;
  /** Moves one message's file to corrupt/ (used when a read fails later). */
  quarantine(mid: number, reason: string): Promise<string>;
  /** Bytes used by spool files. */
  diskUsage(): Promise<number>;
}
