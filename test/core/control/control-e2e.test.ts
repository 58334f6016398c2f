/**
 * control-e2e: every operator command through the HTTP API (client.ts against
 * the relay's own control server) AND through the CLI (runCommand in-process
 * with --data-dir, plus spawned `relaywatch` processes), against one real
 * relay with mail queued for a Down host and mail delivered to a live sink.
 * Also the control server's security checks (401, 403, 413) and the SSE
 * stream (ordered seq, resume with Last-Event-ID), on that same relay.
 *
 * The tests share the relay and run in file order; each one sends its own
 * mail (unique senders) when it changes the queue, so none depends on what
 * an earlier one deleted or bounced.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClientError, createControlClient, type ControlClient, type EventStream, type StreamItem } from '../../../core/control/client/client.js';
import { runCommand } from '../../../cli/run-command.js';
import type { ControlEvents, EditableConfig, EventEnvelope, HostSummary, StatusResult } from '../../../core/control/contract.js';
import type { Relay } from '../../../core/relay.js';
import { startTestRelay, waitFor } from '../../helpers/relay-harness.js';
import { runCli } from '../../helpers/relay-process.js';
import { closedPort } from '../../helpers/ports.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { sendMail } from '../../helpers/send-mail.js';
import { testConfig } from '../../helpers/test-config.js';
import { internalsOf } from '../../../core/relay-internals.js';

let relay: Relay;
let live: SmtpSink;
let extra: SmtpSink;
let dir: { dir: string; remove: () => Promise<void> };
let dataDir: string;
let api: ControlClient;
let token: string;
let downKey: string;
let liveKey: string;
let port: number;


interface Run {
  code: number;
  out: string;
  err: string;
}
/** The CLI in-process, as `relaywatch <argv> --data-dir <relay's data dir>`. */
async function cli(...argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCommand([...argv, '--data-dir', dataDir], { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}
async function cliJson<T>(...argv: string[]): Promise<T> {
  const r = await cli(...argv, '--json');
  expect(r.err, argv.join(' ')).toBe('');
  expect(r.code, argv.join(' ')).toBe(0);
  return JSON.parse(r.out) as T;
}

/** Raw HTTP to the control server, with full control over the headers (Host, Origin). */
function raw(opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers ?? {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    // The server may close before reading all of an oversized body: an
    // EPIPE/ECONNRESET on our side after its answer is expected then.
    req.on('error', reject);
    req.end(opts.body);
  });
}
const auth = (): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** Sends one message and returns its MID (from "250 … queued as MID n"). */
async function send(from: string, to: string[]): Promise<number> {
  const r = await sendMail(relay.smtp.port, { from, to, subject: `from ${from}` });
  const m = /queued as MID (\d+)/.exec(r.response);
  if (!m) throw new Error(`no MID in ${r.response}`);
  return Number(m[1]);
}

/** Waits until every recipient of `mid` is queued (deferred), none active. */
async function waitDeferred(mid: number, what: string): Promise<void> {
  await waitFor(
    relay,
    () => {
      const m = internalsOf(relay).queue.get(mid);
      return !!m && m.recipients.every((r) => r.state === 'queued' && r.lastError !== undefined);
    },
    what,
  );
}

/**
 * Resolves with the final `retry-progress` of an operation, from the relay's
 * own event hub (its ring replays what was published before we subscribed).
 * Waiting for it means no recipient of that retry is still in flight.
 */
function operationDone(operationId: string, timeoutMs = 10_000): Promise<ControlEvents['retry-progress']> {
  return new Promise((resolve, reject) => {
    let found: ControlEvents['retry-progress'] | undefined;
    // subscribe() replays synchronously, before `sub` exists: finish after it.
    let replaying = true;
    const finish = (): void => {
      clearTimeout(timer);
      sub.unsubscribe();
      resolve(found!);
    };
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`operation ${operationId} not done after ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = relay.hub.subscribe((e) => {
      const p = e.data as ControlEvents['retry-progress'];
      if (found || e.type !== 'retry-progress' || p.operationId !== operationId || !p.done) return;
      found = p;
      if (!replaying) finish();
    }, 0);
    replaying = false;
    if (found) finish();
  });
}

/** Collects events from an open stream until `stop` says so (or the deadline). */
async function collect(stream: EventStream, stop: (items: StreamItem[]) => boolean, timeoutMs = 10_000): Promise<StreamItem[]> {
  const items: StreamItem[] = [];
  // Past the deadline the stream is closed: the loop ends and the caller's assertions fail.
  const timer = setTimeout(() => stream.close(), timeoutMs);
  try {
    for await (const it of stream) {
      items.push(it);
      if (stop(items)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return items;
}

/** The column where `header` ends, and the data lines after the header line. */
function columnEnd(table: string, header: string): { end: number; lines: string[] } {
  const lines = table.split('\n').filter((l) => l !== '');
  const hl = lines.findIndex((l) => l.includes('Recipient Host') || l.startsWith('MID'));
  return { end: lines[hl]!.indexOf(header) + header.length, lines: lines.slice(hl + 1).filter((l) => !l.startsWith('Showing')) };
}

const SEED_DOWN = ['a1@down.test', 'a2@down.test', 'a3@down.test'];

beforeAll(async () => {
  live = await startSmtpSink();
  extra = await startSmtpSink();
  const down = await closedPort();
  dir = await tempDir('rw-ctl-e2e-');
  dataDir = join(dir.dir, 'data');
  downKey = `127.0.0.1:${down}`;
  liveKey = live.key;
  relay = await startTestRelay(
    testConfig({
      routes: [
        { domain: 'down.test', destinations: [{ host: '127.0.0.1', port: down, priority: 10, tls: 'none' }] },
        // Everything else, NDRs to the senders' office.test included, goes to the live sink.
        { domain: 'ALL', destinations: [{ host: '127.0.0.1', port: live.port, priority: 10, tls: 'none' }] },
      ],
      // Long retry waits: anything delivered quickly after an operator
      // action was delivered because of that action.
      bounceProfiles: { default: { initialRetrySeconds: 300, maxRetrySeconds: 600, backoffFactor: 2 } },
    }),
    dataDir,
  );
  port = relay.controlAddress!.port;
  token = (await readFile(relay.paths.token, 'utf8')).trim();
  api = createControlClient({ baseUrl: `http://127.0.0.1:${port}/`, token });
  // Queued for the Down host: one message, three recipients; delivered: two messages.
  const seedMid = await send('seed@office.test', SEED_DOWN);
  await send('seed@office.test', ['ok1@live.test']);
  await send('seed@office.test', ['ok2@live.test']);
  await live.waitForMessages(2);
  await waitDeferred(seedMid, 'the seed message deferred for the Down host');
  await waitFor(relay, () => internalsOf(relay).hosts.get(downKey)?.status === 'down', 'the Down host marked down');
});

afterAll(async () => {
  await relay?.stop('test finished', 5000);
  await live?.stop();
  await extra?.stop();
  await dir?.remove();
});

describe('status', () => {
  it('HTTP, in-process CLI and a spawned CLI agree: queued mail, delivered mail, one host down', async () => {
    const s = await api.api.status();
    expect(s.hostname).toBe('relay.test');
    expect(s.listener.port).toBe(relay.smtp.port);
    expect(s.queue.recipients).toBeGreaterThanOrEqual(3);
    expect(s.queue.messages).toBeGreaterThanOrEqual(1);
    expect(s.queue.oldestMessageAgeSeconds).not.toBeNull();
    expect(s.delivered.total).toBeGreaterThanOrEqual(2);
    expect(s.hosts.down).toBe(1);

    const table = await cli('status');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^Hostname:\s+relay\.test$/m);
    expect(table.out).toMatch(/^Destination hosts:\s+\d+ up, 1 down, \d+ unknown, 0 suspended$/m);
    expect(table.out).toMatch(new RegExp(`^Recipients in queue:\\s+${s.queue.recipients} \\(\\d+ active\\)$`, 'm'));
    // Key/value block: every value starts in the same column.
    const starts = table.out
      .trimEnd()
      .split('\n')
      .map((l) => /^[^:]+:\s+/.exec(l)![0].length);
    expect(new Set(starts).size).toBe(1);

    const j = await cliJson<StatusResult>('status');
    expect(j).toMatchObject({ hostname: s.hostname, listener: s.listener, hosts: { down: 1 }, startedAt: s.startedAt });

    // A real `relaywatch` process finds the relay through the data dir alone.
    const p = await runCli(['status', '--json', '--data-dir', dataDir]);
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    expect(JSON.parse(p.stdout)).toMatchObject({ hostname: 'relay.test', startedAt: s.startedAt, hosts: { down: 1 } });
  });
});

describe('tophosts --sort down', () => {
  it('lists the Down host first with its last error, through the API and the CLI (aligned table, --json)', async () => {
    const hosts = await api.api.tophosts({ sort: 'down' });
    const first = hosts[0]!;
    expect(first).toMatchObject({ host: downKey, status: 'down', suspended: false });
    expect(first.queued).toBeGreaterThanOrEqual(3);
    expect(first.lastError).toMatch(/refused/i);
    expect(hosts.find((h) => h.host === liveKey)).toMatchObject({ status: 'up' });
    expect(hosts.find((h) => h.host === liveKey)!.delivered).toBeGreaterThanOrEqual(2);

    const r = await cli('tophosts', '--sort', 'down');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Hosts sorted by down');
    const { lines } = columnEnd(r.out, 'Queued');
    expect(lines[0]).toMatch(new RegExp(`^\\s*1\\s+${downKey.replace(/\./g, '\\.')}\\s+down\\s`));
    expect(lines[0]).toMatch(/refused/i);
    // Numbers right-aligned: each value ends exactly where its header ends.
    for (const header of ['Queued', 'Delivered', 'Hard Bounced']) {
      const { end, lines: rows } = columnEnd(r.out, header);
      expect(rows.length).toBe(hosts.length);
      for (const l of rows) {
        expect(l[end - 1], `${header}: ${l}`).toMatch(/\d/);
        expect(l[end] ?? ' ', `${header}: ${l}`).toBe(' ');
      }
    }
    const { end: qEnd, lines: rows } = columnEnd(r.out, 'Queued');
    expect(Number(/(\d+)$/.exec(rows[0]!.slice(0, qEnd))![1])).toBe(first.queued);

    const j = await cliJson<HostSummary[]>('tophosts', '--sort', 'down');
    expect(j.map((h) => [h.host, h.status])).toEqual(hosts.map((h) => [h.host, h.status]));
    expect(j[0]!.lastError).toBe(first.lastError);
  });
});

describe('hoststatus', () => {
  it('shows the Down host with its last error and history; an unknown host is a 404 / exit 2', async () => {
    const h = await api.api.hoststatus({ host: downKey });
    expect(h).toMatchObject({ host: downKey, status: 'down', priority: 10, tls: 'none' });
    expect(h.lastError).toMatch(/refused/i);
    // When it happened: at or after the host went Down (a failed probe since then is the latest).
    expect(h.lastErrorAt).toBeGreaterThanOrEqual(h.since);
    expect(h.history.at(-1)).toMatchObject({ status: 'down' });
    expect(h.nextProbeAt).not.toBeNull();

    const r = await cli('hoststatus', downKey);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Status:\s+down since /m);
    expect(r.out).toMatch(new RegExp(`^Last error:\\s+.*refused`, 'im'));
    expect(r.out).toMatch(/^Last error at:\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \((now|.+ ago)\)$/m);
    expect(r.out).toMatch(/^History$/m);
    expect((await cliJson<{ host: string; status: string }>('hoststatus', downKey)).status).toBe('down');

    const e = await api.api.hoststatus({ host: 'nosuch.test:25' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ControlClientError);
    expect(e).toMatchObject({ status: 404, apiCode: 'ENOTFOUND', code: 'ENOTFOUND', field: 'host' });
    const bad = await cli('hoststatus', 'nosuch.test:25');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^relaywatch: host nosuch\.test:25: not a known destination \(known: .*127\.0\.0\.1:\d+.*\)\n$/);
  });
});

describe('showrecipients', () => {
  it('filters by host, sender and MID, and pages with a cursor (API and CLI)', async () => {
    const byHost = await api.api.showrecipients({ host: downKey });
    const seed = byHost.items.filter((r) => r.sender === 'seed@office.test');
    expect(seed.map((r) => r.recipient).sort()).toEqual(SEED_DOWN);
    for (const r of byHost.items) {
      expect(r.host).toBe(downKey);
      expect(r.lastError).toMatch(/down|refused/i);
    }
    const mid = seed[0]!.mid;
    const bySender = await api.api.showrecipients({ sender: 'SEED@office' });
    expect(bySender.items.map((r) => r.recipient).sort()).toEqual(SEED_DOWN);
    const byMid = await api.api.showrecipients({ mid });
    expect(byMid.total).toBe(3);
    expect(byMid.items.every((r) => r.mid === mid)).toBe(true);

    // Paging: two rows, then the rest with the cursor, no overlap, then the end.
    const p1 = await api.api.showrecipients({ mid, limit: 2 });
    expect(p1.items).toHaveLength(2);
    expect(p1.total).toBe(3);
    expect(p1.cursor).not.toBeNull();
    const p2 = await api.api.showrecipients({ mid, limit: 2, cursor: p1.cursor! });
    expect(p2.items).toHaveLength(1);
    expect(p2.cursor).toBeNull();
    expect([...p1.items, ...p2.items].map((r) => r.rid)).toEqual(byMid.items.map((r) => r.rid));
    const badCursor = await api.api.showrecipients({ cursor: 'garbage' }).catch((x: unknown) => x);
    expect(badCursor).toMatchObject({ status: 400, field: undefined, message: expect.stringMatching(/cursor/) });

    const t = await cli('showrecipients', '--host', downKey);
    expect(t.code).toBe(0);
    const { end, lines } = columnEnd(t.out, 'RID');
    expect(lines).toHaveLength(byHost.total);
    for (const l of lines) {
      expect(l).toContain(downKey);
      expect(l[end - 1]).toMatch(/\d/);
    }
    expect(t.out).toContain(`Showing ${byHost.total} of ${byHost.total} recipients.`);
    const s = await cliJson<{ items: { recipient: string }[] }>('showrecipients', '--sender', 'seed@office.test');
    expect(s.items.map((r) => r.recipient).sort()).toEqual(SEED_DOWN);
    const limited = await cli('showrecipients', '--mid', String(mid), '--limit', '2');
    expect(limited.out).toContain('Showing 2 of 3 recipients; use --all or --limit N for more.');
    // --all pages through with the cursor, one row per page here.
    const all = await cliJson<{ items: { rid: number }[]; total: number }>('showrecipients', '--mid', String(mid), '--all', '--limit', '1');
    expect(all.items.map((r) => r.rid)).toEqual(byMid.items.map((r) => r.rid));
    expect(all.total).toBe(3);
  });
});

type Progress = ControlEvents['retry-progress'];

describe('retryall, delivernow, retry --mid', () => {
  it('retryall: retry-progress events follow the operation until done (API)', async () => {
    const stream = await api.events();
    const r = await api.api.retryall();
    expect(r.scheduled).toBeGreaterThanOrEqual(3);
    const items = await collect(stream, (xs) => xs.some((x) => x.kind === 'event' && x.event.type === 'retry-progress' && (x.event.data as Progress).operationId === r.operationId && (x.event.data as Progress).done));
    stream.close();
    const progress = items
      .filter((x): x is { kind: 'event'; event: EventEnvelope } => x.kind === 'event' && x.event.type === 'retry-progress')
      .map((x) => x.event.data as Progress)
      .filter((p) => p.operationId === r.operationId);
    const last = progress.at(-1)!;
    expect(last.done).toBe(true);
    expect(last.total).toBe(r.scheduled);
    expect(last.delivered + last.deferred + last.bounced).toBe(last.total);
    // The Down host's recipients were tried again and deferred.
    expect(last.deferred).toBeGreaterThanOrEqual(3);
    expect(progress.filter((p) => p.done)).toHaveLength(1);
  });

  it('retryall through the CLI: --wait prints progress until Done, --json parses', async () => {
    const r = await cli('retryall', '--wait');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Scheduled \d+ recipients in the queue for immediate delivery; waiting/m);
    const done = /^Done: (\d+) delivered, (\d+) deferred, (\d+) bounced of (\d+)$/m.exec(r.out);
    expect(done).not.toBeNull();
    const [, d, f, b, total] = done!.map(Number);
    expect(d! + f! + b!).toBe(total);
    expect(f).toBeGreaterThanOrEqual(3);
    const j = await cliJson<{ scheduled: number; operationId: string; progress: Progress }>('retryall', '--wait');
    expect(j.progress).toMatchObject({ operationId: j.operationId, done: true, total: j.scheduled });
  });

  it('delivernow: the Down host is probed and its queue retried; the API and the CLI report the count', async () => {
    const queued = (await api.api.hoststatus({ host: downKey })).queued;
    const stream = await api.events();
    const r = await api.api.delivernow({ host: downKey });
    expect(r.scheduled).toBe(queued);
    const items = await collect(stream, (xs) => xs.some((x) => x.kind === 'event' && x.event.type === 'retry-progress' && (x.event.data as Progress).operationId === r.operationId && (x.event.data as Progress).done));
    stream.close();
    const last = items.map((x) => (x.kind === 'event' ? x.event.data : undefined)).filter((p): p is Progress => (p as Progress | undefined)?.operationId === r.operationId).at(-1)!;
    expect(last).toMatchObject({ done: true, total: queued, deferred: queued, delivered: 0 });

    const w = await cli('delivernow', downKey, '--wait');
    expect(w.code).toBe(0);
    expect(w.out).toContain(`Done: 0 delivered, ${queued} deferred, 0 bounced of ${queued}`);
    // The live host has nothing waiting.
    const none = await cli('delivernow', liveKey);
    expect(none).toMatchObject({ code: 0, out: `Nothing to retry: no queued recipients for ${liveKey}.\n` });
    const j = await cliJson<{ scheduled: number; operationId: string }>('delivernow', downKey);
    expect(j.scheduled).toBe(queued);
    expect(await operationDone(j.operationId)).toMatchObject({ total: queued, deferred: queued });
    expect(await cli('delivernow', 'nosuch.test:25')).toMatchObject({ code: 2 });
  });

  it('retry --mid: one message retried (API and CLI); an unknown MID is a 404 / exit 2', async () => {
    const mid = await send('retry@office.test', ['r1@down.test', 'r2@down.test']);
    await waitDeferred(mid, 'retry message deferred');
    const r = await api.api.retry({ mid });
    expect(r.scheduled).toBe(2);
    expect(await operationDone(r.operationId)).toMatchObject({ total: 2, deferred: 2 });
    const c = await cli('retry', '--mid', String(mid));
    expect(c.code).toBe(0);
    const line = new RegExp(`^Scheduled 2 recipients of MID ${mid} for immediate delivery \\(operation ([0-9a-f-]{36})\\)\\.$`, 'm').exec(c.out);
    expect(line, c.out).not.toBeNull();
    expect(await operationDone(line![1]!)).toMatchObject({ total: 2, deferred: 2 });
    const j = await cliJson<{ scheduled: number; operationId: string }>('retry', '--mid', String(mid));
    expect(j.scheduled).toBe(2);
    await operationDone(j.operationId);

    const e = await api.api.retry({ mid: 999_999 }).catch((x: unknown) => x);
    expect(e).toMatchObject({ status: 404, apiCode: 'ENOTFOUND', field: 'mid' });
    const bad = await cli('retry', '--mid', '999999');
    expect(bad).toMatchObject({ code: 2, err: 'relaywatch: mid: MID 999999 is not in the queue\n' });
    expect(await api.api.deleterecipients({ mid })).toEqual({ affected: 2 });
  });
});

describe('suspend and resume', () => {
  async function suspendedMessage(from: string): Promise<number> {
    const mid = await send(from, [`${from.split('@')[0]}@live.test`]);
    await waitDeferred(mid, `${from}: held for the suspended host`);
    expect(internalsOf(relay).queue.get(mid)!.recipients[0]!.lastError?.message).toMatch(/suspended/);
    return mid;
  }

  it('API suspend holds mail for the host; CLI resume delivers it at once', async () => {
    const events: { host: string; reason: string | null }[] = [];
    const sub = relay.hub.subscribe((e) => {
      if (e.type === 'host') events.push(e.data as { host: string; reason: string | null });
    });
    const s = await api.api.suspend({ host: liveKey });
    // Live views learn of a suspension at once, through a host event.
    expect(events).toContainEqual(expect.objectContaining({ host: liveKey, reason: 'suspended by the operator' }));
    sub.unsubscribe();
    expect(s).toMatchObject({ host: liveKey, suspended: true });
    const before = live.messages.length;
    const mid = await suspendedMessage('held1@office.test');
    const top = await cli('tophosts');
    expect(top.out).toMatch(new RegExp(`${liveKey.replace(/\./g, '\\.')}\\s+up, suspended`));
    expect((await api.api.status()).hosts.suspended).toBe(1);

    const r = await cli('resume', liveKey);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toMatch(new RegExp(`^Delivery resumed for ${liveKey.replace(/\./g, '\\.')} \\(1 recipient queued, scheduled now\\)\\.$`, 'm'));
    // The retry wait is 300 s: arriving now means resume delivered it.
    const got = await live.waitForMessages(before + 1, 5000);
    expect(got.at(-1)!.to).toEqual(['held1@live.test']);
    await waitFor(relay, () => internalsOf(relay).queue.get(mid) === undefined, 'held message finished');
  });

  it('CLI suspend holds mail for the host; API resume delivers it at once', async () => {
    const s = await cli('suspend', liveKey);
    expect(s).toMatchObject({ code: 0, err: '' });
    expect(s.out).toMatch(/^Delivery suspended for 127\.0\.0\.1:\d+ \(0 recipients queued\)\.$/m);
    expect((await cliJson<HostSummary>('hoststatus', liveKey)).suspended).toBe(true);
    const before = live.messages.length;
    await suspendedMessage('held2@office.test');
    const h = await api.api.resume({ host: liveKey });
    expect(h).toMatchObject({ suspended: false, queued: 1 });
    const got = await live.waitForMessages(before + 1, 5000);
    expect(got.at(-1)!.to).toEqual(['held2@live.test']);
    expect((await cliJson<HostSummary>('resume', liveKey)).suspended).toBe(false);
  });
});

describe('deleterecipients', () => {
  it('--mid through the API and the CLI removes that message and logs it', async () => {
    const a = await send('del-a@office.test', ['d1@down.test', 'd2@down.test']);
    const b = await send('del-b@office.test', ['d3@down.test']);
    await waitDeferred(a, 'del-a deferred');
    await waitDeferred(b, 'del-b deferred');
    expect(await api.api.deleterecipients({ mid: a })).toEqual({ affected: 2 });
    expect((await api.api.showrecipients({ mid: a })).total).toBe(0);
    const r = await cli('deleterecipients', '--mid', String(b));
    expect(r).toMatchObject({ code: 0, err: '', out: `Deleted 1 recipient of MID ${b}.\n` });
    expect((await api.api.showrecipients({ sender: 'del-' })).total).toBe(0);
    await relay.log.flush();
    const lines = (await api.api.logTail({ grep: 'deleted by operator' })).lines.join('\n');
    expect(lines).toContain(`MID ${a} RID [0, 1] deleted by operator (control)`);
    expect(lines).toContain(`MID ${b} RID [0] deleted by operator (control)`);
    const again = await api.api.deleterecipients({ mid: a }).catch((x: unknown) => x);
    expect(again).toMatchObject({ status: 404, field: 'mid' });
  });

  it('--host through the CLI and the API empties the Down host queue', async () => {
    const m1 = await send('delhost@office.test', ['h1@down.test', 'h2@down.test']);
    await waitDeferred(m1, 'delhost deferred');
    const waiting = (await api.api.showrecipients({ host: downKey })).total;
    expect(waiting).toBeGreaterThanOrEqual(5);
    const r = await cli('deleterecipients', '--host', downKey);
    expect(r).toMatchObject({ code: 0, err: '', out: `Deleted ${waiting} recipients waiting for ${downKey}.\n` });
    expect((await api.api.showrecipients({ host: downKey })).total).toBe(0);
    expect((await api.api.hoststatus({ host: downKey })).queued).toBe(0);

    const m2 = await send('delhost2@office.test', ['h3@down.test']);
    await waitDeferred(m2, 'delhost2 deferred');
    expect(await api.api.deleterecipients({ host: downKey })).toEqual({ affected: 1 });
    expect(internalsOf(relay).queue.get(m2)).toBeUndefined();
    // Nothing left: the CLI says so with 0.
    expect((await cliJson<{ affected: number }>('deleterecipients', '--host', downKey)).affected).toBe(0);
  });
});

describe('bouncerecipients', () => {
  /** The NDR the live sink received for `sender` (null sender, a DSN report). */
  async function ndrFor(sender: string): Promise<string> {
    await waitFor(relay, () => live.messages.some((m) => m.to.includes(sender)), `NDR to ${sender}`);
    const m = live.messages.find((x) => x.to.includes(sender))!;
    expect(m.from).toBe('');
    return m.raw.toString('utf8');
  }

  it('--mid through the API and the CLI: the sender gets an NDR naming the recipient', async () => {
    const a = await send('bounce-api@office.test', ['b1@down.test']);
    const b = await send('bounce-cli@office.test', ['b2@down.test', 'b3@down.test']);
    await waitDeferred(a, 'bounce-api deferred');
    await waitDeferred(b, 'bounce-cli deferred');
    expect(await api.api.bouncerecipients({ mid: a })).toEqual({ affected: 1 });
    const ndrA = await ndrFor('bounce-api@office.test');
    expect(ndrA).toMatch(/multipart\/report/i);
    expect(ndrA).toMatch(/Final-Recipient: rfc822;\s*b1@down\.test/i);
    expect(ndrA).toMatch(/Action: failed/);

    const r = await cli('bouncerecipients', '--mid', String(b));
    expect(r).toMatchObject({ code: 0, err: '', out: `Bounced 2 recipients of MID ${b}.\n` });
    const ndrB = await ndrFor('bounce-cli@office.test');
    expect(ndrB).toMatch(/b2@down\.test/);
    expect(ndrB).toMatch(/b3@down\.test/);
    expect((await api.api.status()).bounced.total).toBeGreaterThanOrEqual(3);
    await relay.log.flush();
    expect((await api.api.logTail({ mid: b, grep: 'bounced by operator' })).lines).toHaveLength(1);
  });

  it('--host through the CLI and the API bounces everything waiting for the Down host', async () => {
    const a = await send('bh-cli@office.test', ['c1@down.test']);
    await waitDeferred(a, 'bh-cli deferred');
    const r = await cli('bouncerecipients', '--host', downKey, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ affected: 1 });
    await ndrFor('bh-cli@office.test');
    const b = await send('bh-api@office.test', ['c2@down.test']);
    await waitDeferred(b, 'bh-api deferred');
    expect(await api.api.bouncerecipients({ host: downKey })).toEqual({ affected: 1 });
    await ndrFor('bh-api@office.test');
    expect(await cli('bouncerecipients', '--mid', '999999')).toMatchObject({ code: 2, err: 'relaywatch: mid: MID 999999 is not in the queue\n' });
  });
});

describe('config get / config set', () => {
  it('config get: the CLI prints the same JSON as the API', async () => {
    const c = await api.api.configGet();
    expect(c.routes.map((r) => r.domain)).toEqual(['down.test', 'ALL']);
    expect(c.routes[0]!.destinations[0]).toMatchObject({ host: '127.0.0.1', port: Number(downKey.split(':')[1]) });
    const r = await cli('config', 'get');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(c);
  });

  it('a bad port is refused naming the field (HTTP 400, CLI exit 2) and changes nothing', async () => {
    const c = await api.api.configGet();
    const bad: EditableConfig = structuredClone(c);
    bad.routes[0]!.destinations[0]!.port = 70000;
    const res = await raw({ method: 'POST', path: '/api/configSet', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ config: bad }) });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.text) as { error: { code: string; message: string; field: string } };
    expect(body.error.code).toBe('ECONFIG');
    expect(body.error.field).toMatch(/^config\.routes(\.|\[)0(\.|\]\.)destinations(\.|\[)0\]?\.port$/);
    expect(body.error.message).toMatch(/port/);

    const file = join(dir.dir, 'bad-config.json');
    await writeFile(file, JSON.stringify(bad));
    const r = await cli('config', 'set', file);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^relaywatch: config: routes.*port.*\n$/);
    expect(r.err.split('\n')).toHaveLength(2);
    expect(await api.api.configGet()).toEqual(c);
  });

  it('a good change applies without restart: a new route takes the next message (API, then CLI)', async () => {
    const c = await api.api.configGet();
    const dest = { host: '127.0.0.1', port: extra.port, priority: 10, tls: 'none' as const };
    const next: EditableConfig = { ...c, routes: [{ domain: 'new.test', destinations: [dest], bounceProfile: 'default' }, ...c.routes] };
    const stream = await api.events();
    const applied = await api.api.configSet({ config: next });
    expect(applied.routes.map((r) => r.domain)).toEqual(['new.test', 'down.test', 'ALL']);
    const items = await collect(stream, (xs) => xs.some((x) => x.kind === 'event' && x.event.type === 'config'));
    stream.close();
    // Compared as a list, so a failure shows what the stream did carry (a rare
    // early end of this stream was seen once and not reproduced since).
    const seen = items.map((x) => (x.kind === 'event' ? `${x.event.type}${x.event.type === 'config' ? ` by ${(x.event.data as { changedBy: string }).changedBy}` : ''}` : `resync: ${x.reason}`));
    expect(seen).toContain('config by control');
    await send('cfg@office.test', ['someone@new.test']);
    const got = await extra.waitForMessages(1, 5000);
    expect(got[0]!.to).toEqual(['someone@new.test']);

    // The CLI: another route from a file.
    const file = join(dir.dir, 'good-config.json');
    await writeFile(file, JSON.stringify({ routes: [{ domain: 'cli.test', destinations: [dest], bounceProfile: 'default' }, ...applied.routes] }));
    const r = await cli('config', 'set', file);
    expect(r).toMatchObject({ code: 0, err: '', out: `Configuration updated from ${file}: 4 routes, 1 bounce profiles.\n` });
    expect((await cliJson<EditableConfig>('config', 'get')).routes.map((x) => x.domain)).toEqual(['cli.test', 'new.test', 'down.test', 'ALL']);
    await send('cfg@office.test', ['other@cli.test']);
    const got2 = await extra.waitForMessages(2, 5000);
    expect(got2[1]!.to).toEqual(['other@cli.test']);
  });
});

describe('log tail', () => {
  it('--grep and --mid through the API and the CLI (in-process and spawned)', async () => {
    const mid = await send('logtail@office.test', ['lt@live.test']);
    await waitFor(relay, () => internalsOf(relay).queue.get(mid) === undefined, 'logtail message delivered');
    await relay.log.flush();
    const byMid = await api.api.logTail({ mid });
    expect(byMid.lines.length).toBeGreaterThanOrEqual(2);
    for (const l of byMid.lines) expect(l).toMatch(new RegExp(`\\bMID ${mid}(?!\\d)`));
    const grep = await api.api.logTail({ grep: 'CONNECTION ERROR', lines: 5 });
    expect(grep.lines.length).toBeGreaterThanOrEqual(1);
    expect(grep.lines.length).toBeLessThanOrEqual(5);
    for (const l of grep.lines) expect(l.toLowerCase()).toContain('connection error');

    const r = await cli('log', 'tail', '--mid', String(mid));
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split('\n')).toEqual(byMid.lines.slice(-50));
    const j = await cliJson<{ lines: string[] }>('log', 'tail', '--grep', 'deleted by operator', '--lines', '3');
    expect(j.lines.length).toBeGreaterThanOrEqual(1);
    for (const l of j.lines) expect(l).toContain('deleted by operator');

    const p = await runCli(['log', 'tail', '--mid', String(mid), '--grep', 'logtail@office.test', '--data-dir', dataDir]);
    expect(p.stderr).toBe('');
    expect(p.code).toBe(0);
    const plines = p.stdout.trimEnd().split('\n');
    expect(plines.length).toBeGreaterThanOrEqual(1);
    for (const l of plines) {
      expect(l).toMatch(new RegExp(`\\bMID ${mid}(?!\\d)`));
      expect(l).toContain('logtail@office.test');
    }
  });
});

describe('security against the real relay', () => {
  it('401 without a token or with a wrong one', async () => {
    const none = await raw({ method: 'POST', path: '/api/status', headers: { 'content-type': 'application/json' } });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(JSON.parse(none.text)).toMatchObject({ error: { code: 'EUNAUTHORIZED' } });
    const wrong = await raw({ path: '/api/status', headers: { authorization: `Bearer ${'x'.repeat(43)}` } });
    expect(wrong.status).toBe(401);
    expect((await raw({ path: '/api/events' })).status).toBe(401);
    // The relay refused the CLI too when the token does not match.
    const bad = createControlClient({ baseUrl: `http://127.0.0.1:${port}/`, token: 'y'.repeat(43) });
    await expect(bad.api.status()).rejects.toMatchObject({ status: 401, apiCode: 'EUNAUTHORIZED' });
    // With the token, the same request works.
    expect((await raw({ path: '/api/status', headers: auth() })).status).toBe(200);
  });

  it('403 for a foreign Host and a foreign Origin, even with the token', async () => {
    const host = await raw({ path: '/api/status', headers: { ...auth(), host: `evil.example:${port}` } });
    expect(host.status).toBe(403);
    expect(JSON.parse(host.text)).toMatchObject({ error: { code: 'EFORBIDDEN' } });
    const origin = await raw({ method: 'POST', path: '/api/retryall', headers: { ...auth(), origin: 'http://evil.example', 'content-type': 'application/json' } });
    expect(origin.status).toBe(403);
    expect(JSON.parse(origin.text).error.message).toMatch(/Origin/);
    const nullOrigin = await raw({ path: '/api/status', headers: { ...auth(), origin: 'null' } });
    expect(nullOrigin.status).toBe(403);
    // Its own origin, and localhost for a loopback bind, are accepted.
    expect((await raw({ path: '/api/status', headers: { ...auth(), origin: `http://127.0.0.1:${port}` } })).status).toBe(200);
    expect((await raw({ path: '/api/status', headers: { ...auth(), host: `localhost:${port}` } })).status).toBe(200);
  });

  it('413 for a body over 64 KiB, declared or chunked; the relay keeps serving', async () => {
    const big = JSON.stringify({ config: { routes: [], pad: 'x'.repeat(64 * 1024) } });
    const declared = await raw({ method: 'POST', path: '/api/configSet', headers: { ...auth(), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) }, body: big }).catch(
      (e: NodeJS.ErrnoException) => ({ status: -1, headers: {}, text: e.code ?? '' }),
    );
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.text)).toMatchObject({ error: { code: 'ETOOLARGE' } });
    const chunked = await raw({ method: 'POST', path: '/api/configSet', headers: { ...auth(), 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: big }).catch(
      (e: NodeJS.ErrnoException) => ({ status: -1, headers: {}, text: e.code ?? '' }),
    );
    expect(chunked.status).toBe(413);
    expect((await api.api.configGet()).routes.length).toBeGreaterThan(0);
  });
});

describe('server-sent events', () => {
  it('arrive ordered by seq, and a reconnect with Last-Event-ID gets what it missed', async () => {
    const stream = await api.events();
    // Three operations with events of their own: retry-progress for each.
    const ops = [await api.api.retryall(), await api.api.retryall(), await api.api.retryall()];
    const ids = new Set(ops.map((o) => o.operationId));
    const doneOf = (xs: StreamItem[]): Set<string> =>
      new Set(xs.flatMap((x) => (x.kind === 'event' && x.event.type === 'retry-progress' && (x.event.data as Progress).done ? [(x.event.data as Progress).operationId] : [])));
    const items = await collect(stream, (xs) => [...ids].every((id) => doneOf(xs).has(id)));
    stream.close();
    const events = items.flatMap((x) => (x.kind === 'event' ? [x.event] : []));
    expect(items.every((x) => x.kind === 'event')).toBe(true);
    expect(events.length).toBeGreaterThanOrEqual(3);
    // One stream sees every event the hub publishes: consecutive seq numbers.
    events.forEach((e, i) => i > 0 && expect(e.seq).toBe(events[i - 1]!.seq + 1));
    for (const e of events) expect(e.at).toBeGreaterThan(0);

    // Reconnect as if the client had seen only the first event.
    const since = events[0]!.seq;
    const again = await api.events({ lastEventId: since });
    const replay = await collect(again, (xs) => xs.filter((x) => x.kind === 'event').length >= events.length - 1);
    again.close();
    const replayed = replay.flatMap((x) => (x.kind === 'event' ? [x.event] : []));
    expect(replayed.slice(0, events.length - 1).map((e) => e.seq)).toEqual(events.slice(1).map((e) => e.seq));
    expect(replayed[0]!.data).toEqual(events[1]!.data);

    // On the wire: `id:` is the seq, and ?token= opens the stream for EventSource.
    const wire = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: `/api/events?token=${encodeURIComponent(token)}`, headers: { 'last-event-id': String(since) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
            if (text.includes(`id: ${since + 1}\n`)) {
              req.destroy();
              resolve(text);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(wire).toMatch(new RegExp(`id: ${since + 1}\\nevent: \\S+\\ndata: \\{"seq":${since + 1},`));
  });

  it('a Last-Event-ID from another run of the relay gets one resync, not a gap', async () => {
    const future = await api.events({ lastEventId: relay.hub.lastSeq + 1000 });
    const items = await collect(future, (xs) => xs.length >= 1);
    future.close();
    expect(items[0]).toMatchObject({ kind: 'resync', reason: 'relay restarted' });
  });
});
