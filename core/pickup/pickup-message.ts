/**
 * pickup-message: reads one pickup file as an RFC 5322 message (CRLF or bare
 * LF): its envelope (X-Sender / X-Receiver, the IIS convention, else From and
 * To/Cc/Bcc) and the content to deliver without those headers and without Bcc.
 * Pure; a file that is not a message yields the reason in words for badmail.
 */
import addressparser from 'nodemailer/lib/addressparser';
import { checkMailbox, type AddressRole } from '../inbound/address-syntax.js';
import { splitHeaderBlock } from '../message/header-block.js';

export interface PickupLimits {
  maxRecipients: number;
}

export type PickupParse =
  | { ok: true; sender: string; recipients: string[]; content: Buffer; from: 'x-headers' | 'headers' }
  | { ok: false; reason: string };

interface Field {
  /** Lower-cased field name. */
  name: string;
  /** The unfolded value. */
  value: string;
  /** The field's lines as in the file, each without its line end. */
  lines: string[];
}

// RFC 5322 3.6.8 field-name (ftext), then the obsolete white space before the colon (4.5).
const FIELD_NAME = /^([\x21-\x39\x3b-\x7e]+)[ \t]*:/;
// Header text may be 8-bit (UTF-8 in practice) but never control characters other than TAB.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Never delivered: the envelope headers of the IIS convention, and Bcc (RFC 5322 3.6.3). */
const STRIPPED = new Set(['x-sender', 'x-receiver', 'bcc']);

export function parsePickupMessage(raw: Buffer, limits: PickupLimits): PickupParse {
  const bad = (reason: string): PickupParse => ({ ok: false, reason });
  if (raw.length === 0) return bad('the file is empty');
  const { headers, bodyOffset } = splitHeaderBlock(raw);
  if (headers.length === 0) return bad('no header block: the file starts with an empty line');
  const fields = readFields(headers.toString('latin1'));
  if (typeof fields === 'string') return bad(fields);

  const xSender = fields.find((f) => f.name === 'x-sender');
  const xReceivers = fields.filter((f) => f.name === 'x-receiver');
  const fromX = xSender !== undefined || xReceivers.length > 0;

  const senderField = xSender ?? fields.find((f) => f.name === 'from');
  if (!senderField) return bad('no sender: the file has neither an X-Sender nor a From header');
  const senderList = addresses(senderField);
  const senderText = senderList[0];
  if (senderText === undefined) return bad(`no sender: the ${display(senderField.name)} header holds no address`);
  const sender = checked(senderText, 'sender', senderField.name);
  if (!sender.ok) return bad(sender.reason);

  const rcptFields = xReceivers.length > 0 ? xReceivers : fields.filter((f) => f.name === 'to' || f.name === 'cc' || f.name === 'bcc');
  const recipients: string[] = [];
  // To and Cc often repeat an address: it is delivered once (as sendmail -t does).
  const seen = new Set<string>();
  for (const f of rcptFields) {
    for (const a of addresses(f)) {
      const r = checked(a, 'recipient', f.name);
      if (!r.ok) return bad(r.reason);
      if (seen.has(r.address.toLowerCase())) continue;
      seen.add(r.address.toLowerCase());
      recipients.push(r.address);
    }
  }
  if (recipients.length === 0) {
    return bad(xReceivers.length > 0 ? 'no recipients: the X-Receiver headers hold no address' : 'no recipients: no X-Receiver header, and no address in To, Cc or Bcc');
  }
  if (recipients.length > limits.maxRecipients) {
    return bad(`${recipients.length} recipients, more than limits.maxRecipients (${limits.maxRecipients}) allows for one message`);
  }

  // The kept header lines as they were (the spool path normalises line ends to CRLF).
  const kept = fields.filter((f) => !STRIPPED.has(f.name)).flatMap((f) => f.lines);
  const head = Buffer.from(kept.map((l) => `${l}\r\n`).join(''), 'latin1');
  const body = raw.subarray(bodyOffset);
  const content = Buffer.concat([head, Buffer.from('\r\n'), body]);
  return { ok: true, sender: sender.address, recipients, content, from: fromX ? 'x-headers' : 'headers' };
}

/** The header block as fields, or the reason it is not one (binary data, body text without headers). */
function readFields(block: string): Field[] | string {
  const lines = block.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  const fields: Field[] = [];
  for (const [i, line] of lines.entries()) {
    if (CONTROL.test(line)) return `line ${i + 1} of the header block holds control characters: binary data, not an RFC 5322 message`;
    const cur = fields[fields.length - 1];
    if (line[0] === ' ' || line[0] === '\t') {
      // RFC 5322 2.2.3: a continuation line folds into the field before it.
      if (!cur) return `line 1 starts with white space: not a header field`;
      cur.lines.push(line);
      cur.value += line;
      continue;
    }
    const m = FIELD_NAME.exec(line);
    if (!m) return `line ${i + 1} of the header block is not a header field ("${preview(line)}"): not an RFC 5322 message`;
    fields.push({ name: m[1]!.toLowerCase(), value: line.slice(m[0].length), lines: [line] });
  }
  return fields;
}

/** The addresses of an address-list field; IIS's X-Receiver holds one, bare or in <>. */
function addresses(f: Field): string[] {
  // Header bytes were read as latin1 (one char per byte); UTF-8 display names decode here.
  const value = Buffer.from(f.value, 'latin1').toString('utf8').trim();
  // addressparser files text without an @ as a display name with no address:
  // kept, so the address check refuses it rather than it silently dropping out.
  return addressparser(value, { flatten: true })
    .map((a) => a.address.trim() || a.name.trim())
    .filter((a) => a !== '');
}

/** The SMTP intake's own address check (address-syntax.ts), its reason named by header. */
function checked(address: string, role: AddressRole, field: string): { ok: true; address: string } | { ok: false; reason: string } {
  const v = checkMailbox(address, role);
  if (v.ok) return v;
  return { ok: false, reason: `${display(field)}: "${preview(address)}" is not an address the relay accepts (${v.error.message})` };
}

const DISPLAY: Record<string, string> = { 'x-sender': 'X-Sender', 'x-receiver': 'X-Receiver', from: 'From', to: 'To', cc: 'Cc', bcc: 'Bcc' };
const display = (name: string): string => DISPLAY[name] ?? name;

/** A piece of a bad line fit for a reason file: printable ASCII, capped. */
function preview(s: string): string {
  const flat = s.replace(/[^\x20-\x7e]/g, '?');
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat;
}
