/**
 * outage-log: one waiting line per message per route per outage, with the
 * compact bookkeeping of issue 16 (one shared key per message; a Map only for
 * a message split over routes): a second route, a new outage on one route,
 * and a forgotten message each log again; a repeat never does.
 */
import { describe, expect, it } from 'vitest';
import { RelayError } from '../../../core/errors/relay-error.js';
import { HostRegistry } from '../../../core/hosts/host-registry.js';
import type { Destination } from '../../../core/routing/routing-types.js';
import { OutageLog } from '../../../core/scheduler/outage-log.js';
import { MemoryLog } from '../../helpers/memory-log.js';

const dest = (host: string, name: string): Destination => ({ key: `${host}:25`, host, port: 25, priority: 10, tls: 'none', name, configured: true });
const refused = (host: string): RelayError => new RelayError({ code: 'ECONNECTION', message: `connect ECONNREFUSED ${host}:25`, enhanced: '4.4.1', temporary: true });

describe('OutageLog', () => {
  it('logs each route of a message once per outage, and again for a new outage or after forget', () => {
    const log = new MemoryLog();
    let clock = Date.UTC(2026, 11, 4, 8);
    const hosts = new HostRegistry(log, () => clock);
    const exchange = dest('10.1.1.5', 'Exchange');
    const branch = dest('10.2.2.5', 'Branch');
    for (const d of [exchange, branch]) {
      hosts.register(d);
      hosts.hostFailed(d.key, refused(d.host));
    }
    const outages = new OutageLog(log, hosts);
    const waits = (): string[] => log.grep('waiting for');

    outages.waiting(7, 'corp.example', [0], [exchange]);
    outages.waiting(7, 'corp.example', [0], [exchange]);
    expect(waits()).toHaveLength(1);
    // A second route of the same message: its own line, and neither repeats.
    outages.waiting(7, 'branch.example', [1], [branch]);
    outages.waiting(7, 'branch.example', [1], [branch]);
    outages.waiting(7, 'corp.example', [0], [exchange]);
    expect(waits()).toHaveLength(2);
    expect(waits()[1]).toContain('Branch');
    // Many messages, one outage: one line each, and they share one key.
    for (let mid = 100; mid < 110; mid++) outages.waiting(mid, 'corp.example', [0], [exchange]);
    for (let mid = 100; mid < 110; mid++) outages.waiting(mid, 'corp.example', [0], [exchange]);
    expect(waits()).toHaveLength(12);
    expect(outages.size).toBe(11);
    // Exchange comes back and goes down again: a new outage for the corp route only.
    clock += 60_000;
    hosts.hostAnswered(exchange.key);
    clock += 60_000;
    hosts.hostFailed(exchange.key, refused(exchange.host));
    outages.waiting(7, 'corp.example', [0], [exchange]);
    outages.waiting(7, 'branch.example', [1], [branch]);
    outages.waiting(100, 'corp.example', [0], [exchange]);
    expect(waits()).toHaveLength(14);
    // Forgotten (the message left the queue): a later wait is a new story.
    outages.forget(100);
    expect(outages.size).toBe(10);
    outages.waiting(100, 'corp.example', [0], [exchange]);
    expect(waits()).toHaveLength(15);
  });
});
