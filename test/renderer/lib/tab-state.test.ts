import { describe, expect, it } from 'vitest';
import { faviconHref, tabState } from '../../../renderer/src/lib/tab-state.js';
import { host } from '../../helpers/fake-relay-client.js';

describe('tab state', () => {
  it('names a down host in the title and turns the icon red', () => {
    expect(tabState([{ ...host('mx:25'), status: 'down' }, host('b:25')], 'open')).toEqual({ title: '⚠ mx:25 down — Relaywatch', icon: 'alert' });
    expect(tabState([{ ...host('a:25'), status: 'down' }, { ...host('b:25'), status: 'down' }], 'open').title).toBe('⚠ 2 hosts down — Relaywatch');
  });

  it('says the name the admin gave the host, where there is one', () => {
    expect(tabState([{ ...host('10.0.0.5:25'), name: 'Exchange', status: 'down' }], 'open').title).toBe('⚠ Exchange down — Relaywatch');
  });

  it('is plain when every host is up, and ignores suspended hosts', () => {
    expect(tabState([host('a:25')], 'open')).toEqual({ title: 'Relaywatch', icon: 'normal' });
    expect(tabState([{ ...host('a:25'), status: 'down', suspended: true }], 'open').icon).toBe('normal');
  });

  it('warns when the relay itself is unreachable', () => {
    expect(tabState([host('a:25')], 'reconnecting')).toEqual({ title: '⚠ Relay unreachable — Relaywatch', icon: 'warning' });
  });

  it('each state has its own icon, as a data URL the CSP allows', () => {
    const hrefs = (['normal', 'alert', 'warning'] as const).map(faviconHref);
    expect(new Set(hrefs).size).toBe(3);
    for (const h of hrefs) expect(h).toMatch(/^data:image\/svg\+xml,/);
  });
});
