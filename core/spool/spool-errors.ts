/**
 * spool-errors: the RelayErrors the spool raises: ESPOOL (451 4.3.0) for I/O
 * failures and a MID with no file (isSpoolMissing), ENOSPACE (452 4.3.1) for a
 * full disk, ECORRUPT for a file that does not parse.
 */
import { RelayError, isRelayError, toRelayError } from '../errors/relay-error.js';
import { errnoOf } from './spool-fs.js';

/** errno codes that mean the disk (or the user's quota) is full. */
const FULL_DISK = new Set(['ENOSPC', 'EDQUOT']);

/**
 * An I/O failure while doing `what`; RelayErrors pass through unchanged.
 *
 * Messages name MIDs and paths: they are for the operator's log. The inbound
 * listener shows the client a generic 451 for anything but ENOSPACE
 * (inbound-replies.ts clientFacing), so no path reaches the network.
 */
export function spoolIoError(e: unknown, what: string): RelayError {
  if (isRelayError(e)) return e;
  if (FULL_DISK.has(errnoOf(e) ?? '')) return toRelayError(e);
  const detail = e instanceof Error ? e.message : String(e);
  return new RelayError({
    code: 'ESPOOL',
    message: `${what}: ${detail}`,
    smtpCode: 451,
    enhanced: '4.3.0',
    temporary: true,
    cause: e,
  });
}

/**
 * The MID has no spool file (already removed, or never written). `cause` is
 * the ENOENT from open(), which is how isSpoolMissing recognises it.
 */
export function spoolMissing(mid: number, cause: unknown): RelayError {
  return new RelayError({
    code: 'ESPOOL',
    message: `MID ${mid}: no spool file`,
    smtpCode: 451,
    enhanced: '4.3.0',
    temporary: true,
    cause,
  });
}

export function isSpoolMissing(e: unknown): boolean {
  return isRelayError(e) && e.code === 'ESPOOL' && errnoOf(e.cause) === 'ENOENT';
}

/**
 * A spool file that does not parse. Permanent: the bytes will not get better
 * by waiting; the caller quarantines the file.
 */
export function spoolCorrupt(reason: string): RelayError {
  return new RelayError({ code: 'ECORRUPT', message: reason, temporary: false });
}

/** Appends cleanup failures to an error's message so they are not lost. */
export function withCleanupNotes(err: RelayError, notes: readonly string[]): RelayError {
  if (notes.length === 0) return err;
  return new RelayError({ ...err.toJSON(), message: `${err.message} (cleanup: ${notes.join('; ')})`, cause: err });
}
