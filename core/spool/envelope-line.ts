/**
 * envelope-line: the first line of a spool file, `RWSPOOL1 <json envelope>\n`:
 * encoding it, and reading it back strictly (magic, JSON, required fields, the
 * MID the file name promises). Raises ECORRUPT with a one-line reason.
 */
import { z } from 'zod';
import type { SpoolEnvelope } from './spool-types.js';
import type { SpoolFileHandle } from './spool-fs.js';
import { spoolCorrupt } from './spool-errors.js';

/**
 * JSON.stringify escapes CR and LF inside strings, so the envelope can never
 * contain the newline that ends the line, whatever a client put in its HELO.
 * Unknown keys are ignored rather than rejected: a newer version that adds an
 * optional field must not get its spool quarantined by a downgrade. A change
 * that older code must not read gets a new magic instead.
 */
export const MAGIC = 'RWSPOOL1';
/** The envelope line may not be longer than this (100 recipients need ~10 KiB). */
export const ENVELOPE_LINE_CAP = 1024 * 1024;
/** First read; grows by doubling up to the cap, so usual files cost one read. */
const FIRST_READ = 16 * 1024;

const mid = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const envelopeSchema = z.object({
  mid,
  kind: z.enum(['normal', 'ndr', 'delay-warning', 'alert']),
  sender: z.string(),
  recipients: z.array(z.object({ rid: count, address: z.string() })),
  receivedAt: count,
  icid: count,
  clientAddress: z.string(),
  clientHelo: z.string(),
  originalMid: mid.optional(),
  subject: z.string().max(1000).optional(),
  user: z.string().max(64).optional(),
});

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid envelope';
  const where = issue.path.length ? issue.path.join('.') : 'envelope';
  return `envelope field ${where}: ${issue.message}`;
}

/** The envelope as a checked copy with only the known fields, or a reason. */
export function checkEnvelope(value: unknown): { ok: true; envelope: SpoolEnvelope } | { ok: false; reason: string } {
  const r = envelopeSchema.safeParse(value);
  return r.success ? { ok: true, envelope: r.data } : { ok: false, reason: describe(r.error) };
}

/** The encoded first line; the caller checks the envelope first (checkEnvelope). */
export function encodeEnvelopeLine(envelope: SpoolEnvelope): Buffer {
  return Buffer.from(`${MAGIC} ${JSON.stringify(envelope)}\n`, 'utf8');
}

/** Parses one envelope line (without its newline) for the file `<expectedMid>.msg`. */
export function parseEnvelopeLine(line: Buffer, expectedMid: number): SpoolEnvelope {
  const prefix = `${MAGIC} `;
  if (line.length < prefix.length || line.toString('latin1', 0, prefix.length) !== prefix) {
    throw spoolCorrupt(`bad magic (not a ${MAGIC} spool file)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8', prefix.length));
  } catch (e) {
    throw spoolCorrupt(`envelope is not valid JSON: ${(e as Error).message}`);
  }
  const checked = checkEnvelope(value);
  if (!checked.ok) throw spoolCorrupt(checked.reason);
  if (checked.envelope.mid !== expectedMid) {
    throw spoolCorrupt(`envelope MID ${checked.envelope.mid} does not match file name MID ${expectedMid}`);
  }
  return checked.envelope;
}

export interface EnvelopeRead {
  envelope: SpoolEnvelope;
  /** Byte offset where the content starts (length of the envelope line). */
  contentOffset: number;
  /** Every byte read from offset 0: the envelope line and whatever content came with it. */
  prefix: Buffer;
}

/**
 * Reads and parses the envelope line of an open spool file. Reads until the
 * newline is in (in growing steps), one read per step and no read to prove
 * the end of the file: scan() runs this over every file at start-up, and a
 * delivery asks for a first read big enough for the whole message, so a
 * small message costs one read.
 */
export async function readEnvelope(handle: SpoolFileHandle, expectedMid: number, firstRead = FIRST_READ): Promise<EnvelopeRead> {
  let buf = Buffer.allocUnsafe(Math.min(Math.max(firstRead, 256), ENVELOPE_LINE_CAP + 1));
  let got = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buf, got, buf.length - got, got);
    if (bytesRead === 0) {
      // End of file before the newline: cut short, or not a spool file at all.
      throw spoolCorrupt(got === 0 ? 'empty file' : 'truncated envelope line (no newline before end of file)');
    }
    const nl = buf.subarray(0, got + bytesRead).indexOf(0x0a, got);
    got += bytesRead;
    if (nl !== -1) return { envelope: parseEnvelopeLine(buf.subarray(0, nl), expectedMid), contentOffset: nl + 1, prefix: buf.subarray(0, got) };
    if (got < buf.length) continue;
    if (buf.length > ENVELOPE_LINE_CAP) throw spoolCorrupt(`envelope line longer than ${ENVELOPE_LINE_CAP} bytes`);
    // +1 so a line of exactly the cap still finds its newline.
    const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, ENVELOPE_LINE_CAP + 1));
    buf.copy(bigger, 0, 0, got);
    buf = bigger;
  }
}
