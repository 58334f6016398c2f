import { describe, expect, it } from 'vitest';
import { handOverToService, takeBackFromService, type HandoverPorts } from '../../electron/service-handover/handover.js';

/**
 * A model of one data dir: at most one holder of its lock, checked on every
 * start, so a handover that starts the service before stopping the local relay
 * fails here the way the real data-dir lock would refuse it.
 */
function world(over: Partial<HandoverPorts> = {}, serviceAnswersAfter = 2) {
  const calls: string[] = [];
  let holder: 'local' | 'service' | undefined = 'local';
  let installed = false;
  let probes = 0;
  const take = (who: 'local' | 'service') => {
    if (holder) throw new Error(`data dir locked by ${holder}`);
    holder = who;
  };
  const ports: HandoverPorts = {
    mintToken: async () => (calls.push(`mint(${holder})`), 'tok-1'),
    stopLocalRelay: async () => {
      calls.push('stop-local');
      if (holder === 'local') holder = undefined;
    },
    startLocalRelay: async () => (calls.push('start-local'), take('local')),
    installService: async () => {
      calls.push('install');
      installed = true;
      take('service');
    },
    uninstallService: async () => {
      calls.push('uninstall');
      installed = false;
      if (holder === 'service') holder = undefined;
    },
    probeService: async () => (holder === 'service' && ++probes >= serviceAnswersAfter ? 'http://127.0.0.1:8025/' : undefined),
    lockFree: async () => holder === undefined,
    watchService: async (t) => void calls.push(`watch(${t.url},${t.token})`),
    unwatchService: async () => void calls.push('unwatch'),
    persistMode: async (m) => void calls.push(`persist(${m})`),
    delay: async () => undefined,
    ...over,
  };
  return { ports, calls, state: () => ({ holder, installed }) };
}

describe('service handover', () => {
  it('mints the token while the local relay runs, stops it before the service starts, watches, persists', async () => {
    const w = world();
    const steps: string[] = [];
    const r = await handOverToService(w.ports, { waitMs: 5000, pollMs: 1000, onStep: (s, n) => steps.push(n ? `${s}:${n}` : s) });
    expect(r).toEqual({ ok: true, target: { url: 'http://127.0.0.1:8025/', token: 'tok-1' } });
    expect(w.calls).toEqual(['mint(local)', 'stop-local', 'install', 'watch(http://127.0.0.1:8025/,tok-1)', 'persist(service)']);
    expect(w.state()).toEqual({ holder: 'service', installed: true });
    expect(steps).toEqual(['mint-token', 'stop-local', 'install', 'wait-service', 'wait-service:1 s of 5 s', 'watch', 'persist']);
  });

  it('a failing install rolls back to the in-process relay and says what failed', async () => {
    const w = world({
      installService: async () => {
        throw new Error('pkexec: authentication dismissed');
      },
    });
    const r = await handOverToService(w.ports, { waitMs: 1000, pollMs: 500 });
    expect(r).toEqual({ ok: false, step: 'install', message: 'Installing the service failed: pkexec: authentication dismissed', rolledBack: true });
    expect(w.state().holder).toBe('local');
    expect(w.calls).not.toContain('persist(service)');
  });

  it('a service that never answers is uninstalled and the local relay started again', async () => {
    const w = world({}, Number.POSITIVE_INFINITY);
    const r = await handOverToService(w.ports, { waitMs: 2000, pollMs: 500 });
    expect(r).toMatchObject({ ok: false, step: 'wait-service', message: 'The service did not answer on its control address: nothing answered within 2 s', rolledBack: true });
    expect(w.state()).toEqual({ holder: 'local', installed: false });
  });

  it('a failed token mint changes nothing (the local relay keeps running)', async () => {
    const w = world({
      mintToken: async () => {
        throw new Error('token store full');
      },
    });
    const r = await handOverToService(w.ports);
    expect(r).toMatchObject({ ok: false, step: 'mint-token', rolledBack: false });
    expect(w.calls).toEqual([]);
    expect(w.state().holder).toBe('local');
  });

  it('a rollback that cannot start the local relay says so (never silently none)', async () => {
    const w = world({
      watchService: async () => {
        throw new Error('watch port down');
      },
      uninstallService: async () => {
        throw new Error('systemctl: unit busy');
      },
    });
    const r = await handOverToService(w.ports, { waitMs: 1000, pollMs: 500 });
    expect(r).toMatchObject({ ok: false, step: 'watch', rolledBack: false, rollbackError: 'The relay in this app could not be started again: systemctl: unit busy' });
  });

  it('the reverse: uninstall, wait for the lock, start in-process, persist in-app', async () => {
    const w = world();
    expect((await handOverToService(w.ports, { pollMs: 1 })).ok).toBe(true);
    w.calls.length = 0;
    const r = await takeBackFromService(w.ports, { pollMs: 1 });
    expect(r).toEqual({ ok: true });
    expect(w.calls).toEqual(['uninstall', 'unwatch', 'start-local', 'persist(in-app)']);
    expect(w.state()).toEqual({ holder: 'local', installed: false });
  });

  it('the reverse refuses to start locally while the lock is still held', async () => {
    const w = world();
    await handOverToService(w.ports, { pollMs: 1 });
    const stuck = { ...w.ports, uninstallService: async () => undefined };
    const r = await takeBackFromService(stuck, { waitMs: 3, pollMs: 1 });
    expect(r).toMatchObject({ ok: false, step: 'wait-lock', message: 'The service did not release the data folder: still locked after 0 s' });
    expect(w.state().holder).toBe('service');
  });
});
