/**
 * The `metrics` and `alerts` config sections: defaults, and every bad value
 * refused at load with an error naming its field. The webhook URL never
 * appears in an error about another field.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/config/load-config.js';

describe('metrics and alerts config', () => {
  it('defaults: no networks without the token, no channels, the desktop grace period', () => {
    const c = parseConfig({});
    expect(c.metrics).toEqual({ allowNetworks: [] });
    expect(c.alerts).toEqual({ graceSeconds: 60, queueAgeMinutes: 60, diskFreePercent: 5 });
  });

  it('takes the contract shape', () => {
    const c = parseConfig({
      metrics: { allowNetworks: ['10.0.0.0/8', '::1'] },
      alerts: { webhook: { url: 'https://corp.webhook.office.com/webhookb2/x', format: 'teams' }, email: { to: 'admin@corp.example' }, graceSeconds: 30 },
    });
    expect(c.alerts.webhook).toEqual({ url: 'https://corp.webhook.office.com/webhookb2/x', format: 'teams' });
    expect(c.alerts.email).toEqual({ to: 'admin@corp.example' });
    expect(c.alerts.graceSeconds).toBe(30);
    expect(parseConfig({ alerts: { webhook: { url: 'http://127.0.0.1:9/hook' } } }).alerts.webhook?.format).toBe('json');
  });

  it.each([
    [{ metrics: { allowNetworks: ['10.0.0.0/33'] } }, /metrics\.allowNetworks\[0\]: must be an IP address or CIDR block/],
    [{ metrics: { allowNetwork: [] } }, /unknown key metrics\.allowNetwork/],
    [{ alerts: { webhook: { url: 'http://hooks.example/abc' } } }, /alerts\.webhook\.url: must be an https:\/\/ URL/],
    [{ alerts: { webhook: { url: 'https://hooks.example/abc', format: 'discord' } } }, /alerts\.webhook\.format:/],
    [{ alerts: { email: { to: 'not an address' } } }, /alerts\.email\.to: must be one email address/],
    [{ alerts: { graceSeconds: -1 } }, /alerts\.graceSeconds: must be zero or more seconds/],
    [{ alerts: { queueAgeMinutes: 0 } }, /alerts\.queueAgeMinutes: must be more than 0 minutes/],
    [{ alerts: { diskFreePercent: 101 } }, /alerts\.diskFreePercent: must be 0–100/],
  ])('refuses %j naming the field', (raw, re) => {
    expect(() => parseConfig(raw)).toThrow(re);
  });
});
