import { describe, expect, it } from 'vitest';
import type { EditableConfig } from '../../../../common/contract.js';
import { ControlError } from '../../../../renderer/src/lib/relay-client.js';
import { SettingsStore } from '../../../../renderer/src/lib/state/settings.svelte.js';
import { fakeClient } from '../../../helpers/fake-relay-client.js';

const base = (): EditableConfig => ({
  routes: [],
  bounceProfiles: {
    default: { initialRetrySeconds: 60, maxRetrySeconds: 3600, backoffFactor: 2, maxRetries: 100, maxQueueSeconds: 259200, delayWarningSeconds: 0 },
  },
  relayNetworks: ['127.0.0.0/8'],
  listen: { host: '127.0.0.1', port: 2525 },
});

describe('SettingsStore', () => {
  it('asks for the first-run guide only when no route is configured', async () => {
    const c = fakeClient({ configGet: (() => base()) as never });
    const s = new SettingsStore(c);
    expect(s.needsFirstRun).toBe(false); // not loaded yet
    await s.load();
    expect(s.needsFirstRun).toBe(true);
  });

  it("shows every problem the relay reports, each beside its own field", async () => {
    const message = ['config: routes[0].domain: must be a domain', 'config: routes[0].destinations[0].port: must be 1–65535', 'config: something without a field'].join('\n');
    const c = fakeClient({
      configGet: (() => base()) as never,
      configSet: (() => {
        throw new ControlError('ECONFIG', message, { field: 'config.routes[0].domain' });
      }) as never,
    });
    const s = new SettingsStore(c);
    await s.load();
    s.addRoute();
    s.draft!.routes[0]!.domain = 'corp.example';
    s.draft!.routes[0]!.destinations[0]!.host = '10.1.1.5';
    expect(await s.save()).toBe(false);
    expect(s.errors).toEqual({ 'routes[0].domain': 'must be a domain', 'routes[0].destinations[0].port': 'must be 1–65535' });
    expect(s.formError).toBe('config: something without a field');
  });

  it('does not send a draft with a bad port, and says so beside the field', async () => {
    const c = fakeClient({ configGet: (() => base()) as never, configSet: ((q: { config: EditableConfig }) => q.config) as never });
    const s = new SettingsStore(c);
    await s.load();
    s.addRoute();
    s.draft!.routes[0]!.domain = 'corp.example';
    s.draft!.routes[0]!.destinations[0]!.host = '10.1.1.5';
    s.draft!.routes[0]!.destinations[0]!.port = 70000;
    expect(s.dirty).toBe(true);
    expect(await s.save()).toBe(false);
    expect(s.errors).toEqual({ 'routes[0].destinations[0].port': 'must be 1–65535' });
    expect(c.calls.some((x) => x.method === 'configSet')).toBe(false);
    // Errors follow edits after the first attempt.
    s.draft!.routes[0]!.destinations[0]!.port = 25;
    s.edited();
    expect(s.errors).toEqual({});
    expect(await s.save()).toBe(true);
    expect(s.dirty).toBe(false);
    expect(s.saved!.routes[0]!.destinations[0]!.port).toBe(25);
  });

  it('puts the relay’s own rejection beside its field', async () => {
    const c = fakeClient({
      configGet: (() => base()) as never,
      configSet: (() => {
        throw new ControlError('ECONFIG', 'config: listen.host: must be a host name or IP address', { field: 'config.listen.host', status: 400 });
      }) as never,
    });
    const s = new SettingsStore(c);
    await s.load();
    s.draft!.listen.port = 2526;
    expect(await s.save()).toBe(false);
    expect(s.errors).toEqual({ 'listen.host': 'must be a host name or IP address' });
    expect(s.formError).toBeNull();
  });

  it('keeps edits when someone else saves, and reloads when there are none', async () => {
    let remote = base();
    const c = fakeClient({ configGet: (() => remote) as never });
    const s = new SettingsStore(c);
    await s.load();
    remote = { ...base(), relayNetworks: ['10.0.0.0/8'] };
    await s.onConfigChanged();
    expect(s.saved!.relayNetworks).toEqual(['10.0.0.0/8']);
    s.addNetwork();
    remote = { ...base(), relayNetworks: ['10.9.0.0/16'] };
    await s.onConfigChanged();
    expect(s.changedElsewhere).toBe(true);
    expect(s.draft!.relayNetworks).toEqual(['10.0.0.0/8', '']);
  });

  it('saves the first route from the guide with the mail server’s connection details', async () => {
    const c = fakeClient({ configGet: (() => base()) as never, configSet: ((q: { config: EditableConfig }) => q.config) as never });
    const s = new SettingsStore(c);
    await s.load();
    expect(await s.saveFirstRoute(['ALL'], { host: 'exchange.corp.example', port: 25, tls: 'opportunistic' })).toBe(true);
    expect(c.calls.find((x) => x.method === 'configSet')!.arg).toMatchObject({
      config: { routes: [{ domain: 'ALL', destinations: [{ host: 'exchange.corp.example', port: 25, priority: 10, tls: 'opportunistic' }], bounceProfile: 'default' }] },
    });
    expect(s.needsFirstRun).toBe(false);
  });

  it('saves the guide’s networks and listener with its first route, in one change', async () => {
    const c = fakeClient({ configGet: (() => base()) as never, configSet: ((q: { config: EditableConfig }) => q.config) as never });
    const s = new SettingsStore(c);
    await s.load();
    const network = { listen: { host: '0.0.0.0', port: 25 }, relayNetworks: ['127.0.0.0/8', '::1/128', '192.168.1.0/24'] };
    expect(await s.saveFirstRoute(['ALL'], { host: 'exchange.corp.example', port: 25, tls: 'opportunistic' }, network)).toBe(true);
    const sets = c.calls.filter((x) => x.method === 'configSet');
    expect(sets).toHaveLength(1);
    expect(sets[0]!.arg).toMatchObject({ config: network });
  });

  it('removing a profile moves its routes to the default profile', async () => {
    const c = fakeClient({ configGet: (() => base()) as never });
    const s = new SettingsStore(c);
    await s.load();
    expect(s.addProfile('slow')).toBeNull();
    expect(s.addProfile('slow')).toBe('a profile with this name exists');
    expect(s.addProfile('bad name!')).not.toBeNull();
    s.addRoute();
    s.draft!.routes[0]!.bounceProfile = 'slow';
    s.removeProfile('slow');
    expect(s.draft!.routes[0]!.bounceProfile).toBe('default');
    expect(Object.keys(s.draft!.bounceProfiles)).toEqual(['default']);
  });
});
