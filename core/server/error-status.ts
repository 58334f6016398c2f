/**
 * error-status: an error thrown by a control operation as an HTTP status and a
 * ControlErrorBody, by a table of RelayError codes. Anything else is a 500 that
 * says only "internal error": stacks and paths never leave the process.
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
  // A well-formed argument naming a host or MID that is not there; the error
  // carries its `field` (control/commands.ts). Matched on the code, never on
  // the message's wording, so rewording a message cannot turn 404 into 400.
  ENOTFOUND: 404,
  // Reserved for a future "conflict" code.
  ECONFLICT: 409,
  // The relay is stopping: try again once it is back (503, not 409: the
  // request itself is fine, the service is not there).
  ESHUTDOWN: 503,
  ENOSPACE: 507,
};

/** ECONFIG from configSet: "config: routes[0].domain: must …" → field "config.routes[0].domain". */
const CONFIG_FIELD = /^config: ([A-Za-z0-9_.[\]]+): /;

export function mapError(e: unknown): MappedError {
  if (!(e instanceof RelayError)) {
    return { status: 500, body: { code: 'EINTERNAL', message: 'internal error (see the mail log)' }, internal: true };
  }
  const given = (e as RelayError & { field?: unknown }).field;
  let field = typeof given === 'string' && given !== '' ? given : undefined;
  const status = STATUS_BY_CODE[e.code] ?? 500;
  if (e.code === 'ECONFIG' && field === undefined) {
    const m = CONFIG_FIELD.exec(e.message);
    if (m) field = `config.${m[1]}`;
  }
  const internal = status >= 500 && status !== 503;
  const body: ControlErrorBody['error'] = { code: e.code, message: e.message };
  if (field !== undefined) body.field = field;
  return { status, body, internal };
}
