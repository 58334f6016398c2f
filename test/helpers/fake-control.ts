/**
 * fake-control: a ControlApi whose results are canned data and
 * whose calls are recorded, plus a control server on an ephemeral loopback
 * port around it, for the server and CLI tests.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { BounceRow, ControlApi, HostDetail, HostSummary, RecipientRow, StatusResult } from '../../core/control/contract.js';
import { EventHub } from '../../core/control/event-hub.js';
import { RelayError } from '../../core/errors/relay-error.js';
import { startControlServer, type ControlServer, type ControlServerOptions } from '../../core/server/http-api.js';
import { MemoryLog } from './memory-log.js';

export const TOKEN = 'k'.repeat(43);
export const NOW = Date.parse('2025-03-01T12:00:00Z');

export const HOSTS: HostSummary[] = [
  { host: '10.1.1.5:25', name: 'Exchange', status: 'up', since: NOW - 3600_000, suspended: false, activeConnections: 2, queued: 7, delivered: 1234, deferred: 3, deferrals: 3, hardBounced: 1, lastError: null, lastErrorAt: null, nextProbeAt: null, lastProbeAt: null, probeEverySeconds: null },
  { host: 'backup.example:2525', name: null, status: 'down', since: NOW - 200_000, suspended: true, activeConnections: 0, queued: 12, delivered: 5, deferred: 12, deferrals: 40, hardBounced: 0, lastError: 'Connection refused', lastErrorAt: NOW - 200_000, nextProbeAt: NOW + 5_000, lastProbeAt: NOW - 2_000, probeEverySeconds: 5 },
];

export function recipients(n: number): RecipientRow[] {
  return Array.from({ length: n }, (_, i) => ({
    mid: 100 + i,
    rid: 0,
    sender: `app${i}@office.test`,
    recipient: `user${i}@corp.example`,
    subject: i % 3 ? `Scan ${i}` : null,
    user: i % 2 ? null : 'scanner',
    host: i % 2 ? 'backup.example:2525' : '10.1.1.5:25',
    state: 'queued' as const,
    attempts: i,
    queuedAt: NOW - 200_000,
    nextAttemptAt: NOW + 60_000,
    lastError: i % 2 ? '452 4.3.1 Insufficient system resources' : null,
  }));
}

/** A recipient refused with 550, whose notice then failed too (newest first, as `bounces` lists them). */
export const BOUNCES: BounceRow[] = [
  { id: 2, at: NOW - 60_000, kind: 'notice', mid: 102, rid: 0, sender: '', recipient: 'scanner@gone.example', subject: 'Undelivered Mail Returned to Sender', how: 'rejected', host: 'mx.gone.example:25', hostName: null, reason: '550 5.1.2 Domain not found', status: '5.1.2', words: 'the domain of the address does not exist', notice: { fate: 'dropped' } },
  { id: 1, at: NOW - 120_000, kind: 'bounce', mid: 101, rid: 0, sender: 'scanner@gone.example', recipient: 'nobody@corp.example', subject: 'Scan 7', how: 'rejected', host: '10.1.1.5:25', hostName: 'Exchange', reason: '550 5.1.1 <nobody@corp.example>: user unknown', status: '5.1.1', words: 'the mailbox does not exist', notice: { fate: 'notice-failed', to: 'scanner@gone.example', mid: 102, reason: '550 5.1.2 Domain not found' } },
];

export interface FakeControl {
  api: ControlApi;
  calls: { method: string; arg: unknown }[];
  hub: EventHub;
}

const notKnown = (host: string): RelayError =>
  Object.assign(new RelayError({ code: 'ENOTFOUND', message: `host ${host}: not a known destination (known: 10.1.1.5:25)`, temporary: false }), { field: 'host' });

export function fakeControl(opts: { ringSize?: number } = {}): FakeControl {
  const calls: FakeControl['calls'] = [];
  const hub = new EventHub({ ringSize: opts.ringSize ?? 100, coalesceMs: 10, queueTotals: () => ({ recipients: 19, messages: 15 }) });
  const all = recipients(25);
  const find = (host: string): HostSummary => {
    const h = HOSTS.find((x) => x.host === host);
    if (!h) throw notKnown(host);
    return h;
  };
  const rec = (method: string, arg: unknown): void => {
    calls.push({ method, arg });
  };
  let op = 0;
  const retry = (total: number) => {
    const operationId = `op-${++op}`;
    // Like retry-tracker: the first progress event is published before the reply.
    hub.publish('retry-progress', { operationId, total, delivered: 0, deferred: 0, bounced: 0, done: total === 0 });
    if (total > 0) {
      setTimeout(() => hub.publish('retry-progress', { operationId, total, delivered: 1, deferred: 0, bounced: 0, done: false }), 20);
      setTimeout(() => hub.publish('retry-progress', { operationId, total, delivered: total - 1, deferred: 1, bounced: 0, done: true }), 40);
    }
    return { scheduled: total, operationId };
  };
  const api: ControlApi = {
    async status() {
      rec('status', undefined);
      const s: StatusResult = {
        version: '0.1.0',
        hostname: 'relay.test',
        startedAt: NOW - 4000_000,
        uptimeSeconds: 4000,
        listener: { host: '127.0.0.1', port: 2525 },
        listeners: [{ host: '127.0.0.1', port: 2525, tls: 'none', auth: 'none', allowAuthWithoutTls: false }],
        certificate: null,
        warnings: [],
        queue: { messages: 15, recipients: 19, active: 2, oldestMessageAgeSeconds: 200 },
        delivered: { lastHour: 10, total: 1239 },
        bounced: { lastHour: 0, total: 1 },
        noticesFailed: { lastHour: 0, total: 1 },
        spoolBytes: 1_572_864,
        hosts: { up: 1, down: 1, unknown: 0, suspended: 1 },
        pickup: { dir: 'C:\\inetpub\\mailroot\\Pickup', waiting: 1, taken: 37, badmail: 1, recentBad: [{ file: 'statement.eml', reason: 'no recipients: no X-Receiver header, and no address in To, Cc or Bcc', at: NOW - 60_000 }], error: null },
      };
      return s;
    },
    async tophosts(q) {
      rec('tophosts', q);
      return q?.sort === 'down' ? [...HOSTS].reverse() : HOSTS;
    },
    async hoststatus(q) {
      rec('hoststatus', q);
      const h = find(q.host);
      const d: HostDetail = { ...h, priority: 10, tls: 'opportunistic', history: [{ status: 'down', at: NOW - 200_000, reason: 'Connection refused' }] };
      return d;
    },
    async showrecipients(q = {}) {
      rec('showrecipients', q);
      const rows = all.filter((r) => (q.host === undefined || r.host === q.host) && (q.mid === undefined || r.mid === q.mid));
      const start = q.cursor ? Number(q.cursor) : 0;
      const limit = q.limit ?? 100;
      const items = rows.slice(start, start + limit);
      return { items, total: rows.length, cursor: start + limit < rows.length ? String(start + limit) : null };
    },
    async oldmessage() {
      rec('oldmessage', undefined);
      const items = all.filter((r) => r.mid === 100);
      return { mid: 100, sender: items[0]!.sender, queuedAt: items[0]!.queuedAt, size: 1536, recipients: items, pending: items.length };
    },
    async retryall() {
      rec('retryall', undefined);
      return retry(19);
    },
    async delivernow(q) {
      rec('delivernow', q);
      return retry(find(q.host).queued);
    },
    async retry(q) {
      rec('retry', q);
      if (q.mid !== 100) throw Object.assign(new RelayError({ code: 'ENOTFOUND', message: `mid: MID ${q.mid} is not in the queue`, temporary: false }), { field: 'mid' });
      return retry(0);
    },
    async suspend(q) {
      rec('suspend', q);
      return { ...find(q.host), suspended: true };
    },
    async resume(q) {
      rec('resume', q);
      return { ...find(q.host), suspended: false };
    },
    async deleterecipients(q) {
      rec('deleterecipients', q);
      return { affected: 'mid' in q ? 1 : 7 };
    },
    async bouncerecipients(q) {
      rec('bouncerecipients', q);
      return { affected: 'mid' in q ? 1 : 7 };
    },
    async configGet() {
      rec('configGet', undefined);
      return { routes: [], bounceProfiles: {}, relayNetworks: ['127.0.0.0/8'], listen: { host: '127.0.0.1', port: 2525 } };
    },
    async configSet(q) {
      rec('configSet', q);
      const c = q.config as unknown as Record<string, unknown>;
      if ('routes' in c && !Array.isArray(c.routes)) {
        throw new RelayError({ code: 'ECONFIG', message: 'config: routes: must be array', temporary: false });
      }
      return { routes: [], bounceProfiles: {}, relayNetworks: ['127.0.0.0/8'], listen: { host: '127.0.0.1', port: 2525 }, ...(q.config as object) };
    },
    async configFile() {
      rec('configFile', undefined);
      return { path: '/etc/relaywatch.json', exists: true, readOnly: null, error: null, restartNeeded: [] };
    },
    async interfaces() {
      rec('interfaces', undefined);
      return [{ interface: 'eth0', address: '192.168.1.20', cidr: '192.168.1.0/24', family: 'IPv4' as const }];
    },
    async logTail(q = {}) {
      rec('logTail', q);
      const lines = ['2025-03-01T11:59:00.000Z Info: Start MID 100 ICID 5', '2025-03-01T11:59:01.000Z Info: MID 101 ready 120 bytes from <a@b>'];
      return { lines: lines.filter((l) => (q.grep ? l.includes(q.grep) : true) && (q.mid === undefined || l.includes(`MID ${q.mid} `))) };
    },
    async testConnection(q) {
      rec('testConnection', q);
      return { ok: true, detail: '220 ready', tls: false, millis: 3 };
    },
    async bounces(q = {}) {
      rec('bounces', q);
      const rows = BOUNCES.filter((b) => q.since === undefined || b.at >= q.since);
      return { items: rows.slice(0, q.limit ?? 100), total: rows.length };
    },
    async userList() {
      rec('userList', undefined);
      return [{ name: 'scanner', from: ['*@corp.example'], createdAt: NOW - 86_400_000 }];
    },
    async userAdd(q) {
      // The password is not recorded: tests must not keep it either.
      rec('userAdd', { name: q.name, from: q.from });
      return { name: q.name, from: q.from ?? [], createdAt: NOW };
    },
    async userPasswd(q) {
      rec('userPasswd', { name: q.name });
      return { name: q.name };
    },
    async userRemove(q) {
      rec('userRemove', q);
      return q;
    },
    async certificateReplace(q) {
      rec('certificateReplace', q);
      return { fingerprint256: 'AB:CD', notAfter: NOW + 90 * 86_400_000, subject: 'CN=relay.test', selfSigned: false, file: q.certFile };
    },
    async setSecret(q) {
      rec('setSecret', { name: q.name });
      return { name: q.name, stored: true };
    },
    async history() {
      rec('history', undefined);
      // A bug in the implementation: the server must answer 500 without details.
      throw new TypeError('Cannot read properties of undefined (reading "secret/path")');
    },
  };
  return { api, calls, hub };
}

export interface TestServer extends FakeControl {
  server: ControlServer;
  log: MemoryLog;
  close(): Promise<void>;
}

export async function startFakeServer(extra: Partial<ControlServerOptions> & { ringSize?: number } = {}): Promise<TestServer> {
  const fc = fakeControl({ ringSize: extra.ringSize });
  const log = new MemoryLog();
  const server = await startControlServer({ api: fc.api, hub: fc.hub, host: '127.0.0.1', port: 0, token: TOKEN, log, ...extra });
  return {
    ...fc,
    server,
    log,
    close: async () => {
      await server.close();
      fc.hub.close();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  json: () => unknown;
}

/** One HTTP request with full control over headers (fetch forbids setting Host). */
export function rawRequest(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; auth?: boolean },
): Promise<RawResponse> {
  const headers: Record<string, string> = { host: `127.0.0.1:${port}`, ...(opts.auth === false ? {} : { authorization: `Bearer ${TOKEN}` }), ...opts.headers };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as unknown }));
      res.on('error', reject);
    });
    // A server that answers early (413) and closes may reset our upload: the
    // response, if it came, is what the test checks.
    req.on('error', reject);
    req.end(opts.body);
  });
}
