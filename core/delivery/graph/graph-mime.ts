/**
 * graph-mime: the copy of a message that goes to Graph's sendMail, rewritten
 * so that the recipients Graph takes from its To/Cc/Bcc are exactly this
 * attempt's envelope recipients, each once (Graph has no envelope).
 *
 * The rule: Bcc and Resent-Bcc fields are removed (a header-only Bcc
 * recipient must not get it, and nobody may see the list). A To or Cc field
 * that names only envelope recipients stays byte for byte (DKIM signatures
 * over it survive: the common case). In one that does not, each address that
 * is not an envelope recipient of this attempt (header-only, routed
 * elsewhere, delivered by an earlier attempt) and each repeat of one already
 * named becomes an empty RFC 5322 §3.4 group whose display name shows it:
 * `"Bob <b@y.example>":;`, which readers still see and which delivers to
 * nobody. Envelope recipients left unnamed go in one new Bcc field, which
 * Exchange drops from the copies it delivers.
 */
import addressparser from 'nodemailer/lib/addressparser';
import { splitHeaderBlock, getHeader } from '../../message/header-block.js';

export interface GraphCopy {
  mime: Buffer;
  /** The message's Message-ID, for the log line. */
  messageId: string | undefined;
}

interface Field {
  name: string;
  /** The field's lines as they were, with their line ends. */
  raw: string;
}

const norm = (a: string): string => a.trim().toLowerCase();

export function graphCopy(content: Buffer, recipients: readonly string[]): GraphCopy {
  const { headers, bodyOffset } = splitHeaderBlock(content);
  const text = headers.toString('utf8');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const wanted = new Set(recipients.map(norm));
  const named = new Set<string>();
  const out: string[] = [];
  for (const f of fields(text)) {
    const name = f.name.toLowerCase();
    if (name === 'bcc' || name === 'resent-bcc') continue;
    if (name !== 'to' && name !== 'cc') {
      out.push(f.raw);
      continue;
    }
    out.push(rewriteAddressField(f, wanted, named, eol));
  }
  const unnamed = recipients.filter((r) => !named.has(norm(r)) && (named.add(norm(r)), true));
  if (unnamed.length > 0) out.push(`Bcc: ${unnamed.map((a) => `<${a}>`).join(`,${eol} `)}${eol}`);
  const head = Buffer.from(out.join(''), 'utf8');
  const body = content.subarray(bodyOffset);
  return { mime: Buffer.concat([head, Buffer.from(eol), body]), messageId: getHeader(headers, 'message-id') };
}

/** The header block's fields, each with its continuation lines. */
function fields(text: string): Field[] {
  const out: Field[] = [];
  for (const line of text.split(/(?<=\n)/)) {
    if (line === '') continue;
    const last = out[out.length - 1];
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      last.raw += line;
      continue;
    }
    const colon = line.indexOf(':');
    out.push({ name: colon > 0 ? line.slice(0, colon).trim() : '', raw: line.endsWith('\n') ? line : `${line}\r\n` });
  }
  return out;
}

function rewriteAddressField(f: Field, wanted: Set<string>, named: Set<string>, eol: string): string {
  const value = f.raw.slice(f.raw.indexOf(':') + 1).replace(/\r?\n(?=[ \t])/g, '');
  const entries = addressparser(value.trim());
  const parts: string[] = [];
  let changed = false;
  const mailbox = (e: { name: string; address: string }): string => {
    const a = norm(e.address);
    if (a && wanted.has(a) && !named.has(a)) {
      named.add(a);
      return e.name ? `${phrase(e.name)} <${e.address}>` : `<${e.address}>`;
    }
    changed = true;
    return `${quote(e.name ? `${e.name} <${e.address}>` : e.address)}:;`;
  };
  for (const e of entries) {
    if ('group' in e && e.group) {
      const members = e.group.filter((m): m is { name: string; address: string } => typeof (m as { address?: unknown }).address === 'string');
      const kept = members.filter((m) => wanted.has(norm(m.address)) && !named.has(norm(m.address)));
      for (const m of kept) named.add(norm(m.address));
      const dropped = members.filter((m) => !kept.includes(m));
      if (dropped.length > 0) changed = true;
      parts.push(`${phrase(e.name)}: ${kept.map((m) => (m.name ? `${phrase(m.name)} <${m.address}>` : `<${m.address}>`)).join(', ')};`);
      for (const m of dropped) parts.push(`${quote(m.name ? `${m.name} <${m.address}>` : m.address)}:;`);
    } else if ('address' in e) {
      parts.push(mailbox(e));
    }
  }
  if (!changed) return f.raw;
  return `${f.name}: ${parts.join(`,${eol} `)}${eol}`;
}

/** A display name as it can stand in a header: an RFC 2047 encoded word or plain atoms as they are, else quoted. */
function phrase(name: string): string {
  if (/^=\?[^?]+\?[bBqQ]\?[^?]*\?=$/.test(name) || /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/.test(name)) return name;
  return quote(name);
}

function quote(s: string): string {
  return `"${s.replace(/[\r\n]/g, ' ').replace(/(["\\])/g, '\\$1')}"`;
}
