/**
 * graph-answer: Graph's answers on the behaviour table, and Retry-After.
 */
import { describe, expect, it } from 'vitest';
import { classifyGraph, parseRetryAfter } from '../../../../core/delivery/graph/graph-answer.js';

describe('classifyGraph', () => {
  it.each([
    [{ status: 202 }, 'delivered', undefined],
    [{ status: 429, code: 'ApplicationThrottled', retryAt: 5000 }, 'retry', '4.3.2'],
    [{ status: 503, retryAt: 5000 }, 'retry', '4.3.2'],
    [{ status: 502 }, 'retry', '4.3.0'],
    [{ status: 401, code: 'InvalidAuthenticationToken' }, 'config', '4.7.0'],
    [{ status: 403, code: 'ErrorAccessDenied' }, 'config', '4.7.0'],
    [{ status: 404, code: 'ErrorInvalidUser' }, 'config', '4.7.0'],
    [{ status: 400, code: 'ErrorInvalidRecipients' }, 'bounce', '5.1.3'],
    [{ status: 413 }, 'bounce', '5.3.4'],
    [{ status: 400, code: 'ErrorMimeContentInvalid' }, 'bounce', '5.6.0'],
    [{ status: 409 }, 'retry', '4.5.0'],
  ] as const)('%j → %s %s', (answer, effect, enhanced) => {
    const v = classifyGraph(answer, 'relay@corp.example');
    expect(v.rule.effect).toBe(effect);
    if (enhanced) expect(v.error.enhanced).toBe(enhanced);
    expect(v.error.temporary).toBe(effect !== 'bounce');
  });

  it('keeps Retry-After only where Microsoft asks to wait', () => {
    expect(classifyGraph({ status: 429, retryAt: 9000 }, 'm@x').notBefore).toBe(9000);
    expect(classifyGraph({ status: 403, retryAt: 9000 }, 'm@x').notBefore).toBeUndefined();
  });

  it('says a 403 in words with the fix and the request-id', () => {
    const v = classifyGraph({ status: 403, code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.', requestId: 'r-1' }, 'relay@corp.example');
    expect(v.error.toLine()).toBe(
      '4.7.0 Microsoft Graph refused to send from this mailbox (relay@corp.example, HTTP 403 ErrorAccessDenied: Access is denied. Check credentials and try again.). Fix: grant the app the Mail.Send application permission with admin consent, and check that no application access policy excludes the mailbox (request-id r-1)',
    );
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, caps at a day, ignores junk', () => {
    expect(parseRetryAfter('2', 1000)).toBe(3000);
    const at = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', at - 5000)).toBe(at);
    // A date in the past means "now".
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', at + 5000)).toBe(at + 5000);
    expect(parseRetryAfter('999999999', 0)).toBe(86_400_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });
});
