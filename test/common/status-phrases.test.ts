/** RFC 3463 phrases, shared by the bounce notices and the dashboard. */
import { describe, expect, it } from 'vitest';
import { statusPhrase } from '../../common/status-phrases.js';

describe('statusPhrase', () => {
  it('uses the detail row, then the subject row ("other" in that subject)', () => {
    expect(statusPhrase('5.1.1')).toBe('the mailbox does not exist');
    expect(statusPhrase('4.3.1')).toBe('the server is out of resources');
    expect(statusPhrase('5.1.99')).toBe('the address was not accepted');
    expect(statusPhrase('4.7.99')).toBe('a security policy refused the message');
  });

  it('has no words for subject 0, an unknown subject or a malformed status', () => {
    expect(statusPhrase('5.0.0')).toBeUndefined();
    expect(statusPhrase('4.9.1')).toBeUndefined();
    expect(statusPhrase('2.1.5')).toBeUndefined();
    expect(statusPhrase('5.1')).toBeUndefined();
    expect(statusPhrase('garbage')).toBeUndefined();
  });

  it('is ASCII, because the phrases go into mail bodies', () => {
    for (const subject of [1, 2, 3, 4, 5, 6, 7]) {
      for (let detail = 0; detail < 30; detail++) {
        const p = statusPhrase(`5.${subject}.${detail}`);
        if (p !== undefined) expect(p, `5.${subject}.${detail}`).toMatch(/^[\x20-\x7e]+$/);
      }
    }
  });
});
