/**
 * The `pickup` config key (issue 14 item 4): absent by default, pollSeconds
 * defaults to 2, errors name the field.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/config/load-config.js';

describe('pickup config', () => {
  it('is absent unless configured and defaults pollSeconds to 2', () => {
    expect(parseConfig({}).pickup).toBeUndefined();
    expect(parseConfig({ pickup: { dir: 'C:\\inetpub\\mailroot\\Pickup' } }).pickup).toEqual({ dir: 'C:\\inetpub\\mailroot\\Pickup', pollSeconds: 2 });
  });
  it('names the field in its errors', () => {
    expect(() => parseConfig({ pickup: { dir: '' } })).toThrow(/pickup\.dir/);
    expect(() => parseConfig({ pickup: { dir: '/x', pollSeconds: 0 } })).toThrow(/pickup\.pollSeconds/);
    expect(() => parseConfig({ pickup: { dir: '/x', poll: 2 } })).toThrow(/pickup/);
  });
});
