/** What a control operation's error becomes on the wire: status, code, field, and nothing internal. */
import { describe, expect, it } from 'vitest';
import { RelayError } from '../../../core/errors/relay-error.js';
import { mapError } from '../../../core/server/error-status.js';

const err = (code: RelayError['code'], message: string, field?: string): RelayError =>
  Object.assign(new RelayError({ code, message, temporary: false }), field === undefined ? {} : { field });

describe('mapError', () => {
  it('maps argument errors to 400 with their field, and ENOTFOUND to 404 with its field', () => {
    expect(mapError(err('EARGS', 'retry: mid: must be a positive MID', 'mid'))).toEqual({
      status: 400,
      body: { code: 'EARGS', message: 'retry: mid: must be a positive MID', field: 'mid' },
      internal: false,
    });
    expect(mapError(err('ENOTFOUND', 'host a:25: not a known destination', 'host'))).toEqual({
      status: 404,
      body: { code: 'ENOTFOUND', message: 'host a:25: not a known destination', field: 'host' },
      internal: false,
    });
    expect(mapError(err('ENOTFOUND', 'mid: MID 5 is not in the queue', 'mid'))).toMatchObject({ status: 404, body: { field: 'mid' } });
    expect(mapError(err('ENOTFOUND', 'rid: MID 5 has no RID 3', 'rid'))).toMatchObject({ status: 404, body: { field: 'rid' } });
    expect(mapError(err('EARGS', 'something else'))).toEqual({ status: 400, body: { code: 'EARGS', message: 'something else' }, internal: false });
  });

  it('decides on the code, not the wording: an EARGS that reads like "not found" stays 400', () => {
    expect(mapError(err('EARGS', 'host a:25: not a known destination'))).toEqual({
      status: 400,
      body: { code: 'EARGS', message: 'host a:25: not a known destination' },
      internal: false,
    });
    expect(mapError(err('EARGS', 'mid: MID 5 is not in the queue'))).toMatchObject({ status: 400 });
  });

  it('takes the field of a config error from its message', () => {
    expect(mapError(err('ECONFIG', 'config: routes[0].destinations[1].port: must be at most 65535'))).toMatchObject({
      status: 400,
      body: { field: 'config.routes[0].destinations[1].port' },
    });
  });

  it('maps a stopping relay to 503 and disk full to 507; other RelayErrors are logged 500s', () => {
    expect(mapError(err('ESHUTDOWN', 'stopping'))).toMatchObject({ status: 503, internal: false });
    expect(mapError(err('ENOSPACE', 'disk full'))).toMatchObject({ status: 507, internal: true });
    expect(mapError(err('ESPOOL', 'EIO'))).toMatchObject({ status: 500, body: { code: 'ESPOOL' }, internal: true });
  });

  it('hides anything that is not a RelayError behind a generic 500', () => {
    const m = mapError(new Error('ENOENT: /home/me/secret'));
    expect(m).toEqual({ status: 500, body: { code: 'EINTERNAL', message: 'internal error (see the mail log)' }, internal: true });
  });
});
