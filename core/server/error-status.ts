/**
 * error-status: what an error thrown by a control operation becomes on the
 * wire — an HTTP status and a ControlErrorBody.
 *
 * Owns: the mapping, as tables: RelayError code → status, and the EARGS
 * messages of control/commands.ts that mean "no such host / MID" (404).
 * Does not own: raising the errors (control/), writing the reply (http-reply.ts).
 * Raises: nothing. Anything that is not a RelayError is a 500 whose body says
 * only "internal error": stacks and paths never leave the process.
 */
import type { ControlErrorBody } from '../control/contract.js';
import { RelayError } from '../errors/relay-error.js';

export interface MappedError {
  status: number;
  body: ControlErrorBody['error'];
  /** true: unexpected, the caller logs it. */
  internal: boolean;
}

/** RelayError code → HTTP status. Codes not listed are server-side failures (500). */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  EARGS: 400,
  ECONFIG: 400,
  // Reserved for when control/commands.ts raises a dedicated code for
  // "not found" and "conflict" (see NOT_FOUND below).
  ENOTFOUND: 404,
  ECONFLICT: 409,
  // The relay is stopping: try again once it is back (503, not 409: the
  // request itself is fine, the service is not there).
  ESHUTDOWN: 503,
  ENOSPACE: 507,
};

/**
 * commands.ts raises EARGS for an unknown host or MID, with the field name as
 * the message's prefix. Those are 404s (the argument is well-formed, the thing
 * is not there). Matched on wording until the core has its own code.
 */
const NOT_FOUND: readonly { re: RegExp; field: string }[] = [
  { re: /^host \S+: not a known destination/, field: 'host' },
  { re: /^mid: MID \d+ is not in the queue/, field: 'mid' },
  { re: /^rid: MID \d+ has no RID/, field: 'rid' },
];

/** ECONFIG from configSet: "config: routes[0].domain: must …" → field "config.routes[0].domain". */
const CONFIG_FIELD = /^config: ([A-Za-z0-9_.[\]]+): /;

export function mapError(e: unknown): MappedError {
  if (!(e instanceof RelayError)) {
    return { status: 500, body: { code: 'EINTERNAL', message: 'internal error (see the mail log)' }, internal: true };
  }
  const given = (e as RelayError & { field?: unknown }).field;
  let field = typeof given === 'string' && given !== '' ? given : undefined;
  let status = STATUS_BY_CODE[e.code] ?? 500;
  if (e.code === 'EARGS' && field === undefined) {
    const nf = NOT_FOUND.find((x) => x.re.test(e.message));
    if (nf) {
      status = 404;
      field = nf.field;
    }
  }
  if (e.code === 'ECONFIG' && field === undefined) {
    const m = CONFIG_FIELD.exec(e.message);
    if (m) field = `config.${m[1]}`;
  }
  const internal = status >= 500 && status !== 503;
  const body: ControlErrorBody['error'] = { code: e.code, message: e.message };
  if (field !== undefined) body.field = field;
  return { status, body, internal };
}
