/**
 * GET /metrics on a real relay after real SMTP traffic: three messages
 * delivered to a loopback sink, one bounced by it (550), one waiting for a
 * Down host. The exposition is parsed with a real Prometheus text parser and
 * every value is checked against what the sink received and the relay's own
 * status shows. Also: 401 without the token, 403 for a foreign Host, and
 * metrics.allowNetworks letting loopback in without the token.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Relay } from '../../../core/relay.js';
import { closedPort } from '../../helpers/ports.js';
import { startTestRelay, waitFor } from '../../helpers/relay-harness.js';
import { sendMail } from '../../helpers/send-mail.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { testConfig } from '../../helpers/test-config.js';
import { internalsOf } from '../../../core/relay-internals.js';

let relay: Relay;
let sink: SmtpSink;
let dir: { dir: string; remove: () => Promise<void> };
let downKey: string;
let token: string;
// Quotes and a backslash: label values must be escaped for the parser to read them back.
const EXCHANGE = 'Exchange "HQ" \\ main';

function get(r: Relay, path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string }> {
  const { host, port } = r.controlAddress!;
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function scrape(r: Relay, headers: Record<string, string>): Promise<Map<string, PromFamily>> {
  const res = await get(r, '/metrics', headers);
  expect(res.status, res.text).toBe(200);
  expect(res.type).toBe('text/plain; version=0.0.4; charset=utf-8');
  return new Map(parsePrometheusTextFormat(res.text).map((f) => [f.name, f]));
}

const one = (m: Map<string, PromFamily>, name: string, labels?: Record<string, string>): number => {
  const f = m.get(name);
  if (!f) throw new Error(`no ${name} in the scrape`);
  const s = f.metrics.find((x) => !labels || Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
  if (!s?.value) throw new Error(`no ${name}${JSON.stringify(labels ?? {})} sample`);
  return Number(s.value);
};

beforeAll(async () => {
  dir = await tempDir('rw-metrics-');
  sink = await startSmtpSink({ rcpt: { 'gone@corp.example': 550 } });
  const down = await closedPort();
  downKey = `127.0.0.1:${down}`;
  relay = await startTestRelay(
    testConfig({
      routes: [
        { domain: 'corp.example', destinations: [{ host: '127.0.0.1', port: sink.port, name: EXCHANGE }] },
        { domain: 'branch.example', destinations: [{ host: '127.0.0.1', port: down, name: 'Branch' }] },
      ],
    }),
    dir.dir,
  );
  token = (await readFile(relay.paths.token, 'utf8')).trim();
  const q = internalsOf(relay).queue;
  for (const to of ['a@corp.example', 'b@corp.example', 'c@corp.example', 'gone@corp.example', 'x@branch.example']) {
    await sendMail(relay.smtp.port, { from: 'scanner@corp.example', to: [to] });
  }
  // Four recipients final (three delivered, one bounced), the NDR for the bounce delivered too, one deferred for the Down host.
  await waitFor(
    relay,
    () => sink.messages.length === 4 && q.pendingRecipients === 1 && [...q.pendingForHost(downKey)].some((r) => r.state === 'queued' && r.lastError !== undefined),
    'three delivered, an NDR delivered, one waiting for the Down host',
  );
}, 30_000);

afterAll(async () => {
  await relay?.stop();
  await sink?.stop();
  await dir?.remove();
});

describe('GET /metrics', () => {
  it('shows what the sink received and the queue holds, parsed by a Prometheus text parser', async () => {
    const m = await scrape(relay, { authorization: `Bearer ${token}` });
    const status = await relay.control.status();
    // What the sink shows: three messages and the bounce's NDR arrived.
    const ndrs = sink.messages.filter((x) => x.from === '').length;
    expect(ndrs).toBe(1);
    expect(one(m, 'relaywatch_delivered_total')).toBe(sink.messages.length);
    expect(one(m, 'relaywatch_delivered_total')).toBe(status.delivered.total);
    expect(one(m, 'relaywatch_bounced_total')).toBe(1);
    expect(one(m, 'relaywatch_bounced_total')).toBe(status.bounced.total);
    expect(one(m, 'relaywatch_accepted_total')).toBe(5);
    expect(one(m, 'relaywatch_deferred_total')).toBeGreaterThanOrEqual(1);
    // What the queue shows.
    expect(one(m, 'relaywatch_queue_recipients', { state: 'queued' })).toBe(status.queue.recipients - status.queue.active);
    expect(one(m, 'relaywatch_queue_recipients', { state: 'queued' })).toBe(1);
    expect(one(m, 'relaywatch_queue_recipients', { state: 'active' })).toBe(status.queue.active);
    expect(one(m, 'relaywatch_queue_messages')).toBe(status.queue.messages);
    expect(one(m, 'relaywatch_queue_oldest_message_age_seconds')).toBeGreaterThanOrEqual(status.queue.oldestMessageAgeSeconds!);
    expect(one(m, 'relaywatch_queue_oldest_message_age_seconds')).toBeLessThan(status.queue.oldestMessageAgeSeconds! + 5);
    // Hosts, with their names.
    expect(one(m, 'relaywatch_host_up', { host: sink.key, name: EXCHANGE })).toBe(1);
    expect(one(m, 'relaywatch_host_up', { host: downKey, name: 'Branch' })).toBe(0);
    expect(m.get('relaywatch_host_up')!.metrics).toHaveLength(2);
    // Latency: one observation per delivered recipient of real mail (not the NDR), all under the largest bucket.
    const lat = m.get('relaywatch_delivery_latency_seconds')!;
    expect(lat.type).toBe('HISTOGRAM');
    expect(Number(lat.metrics[0]!.count)).toBe(sink.messages.length - ndrs);
    expect(Number(lat.metrics[0]!.buckets!['+Inf'])).toBe(3);
    expect(Number(lat.metrics[0]!.buckets!['86400'])).toBe(3);
    expect(Number(lat.metrics[0]!.sum)).toBeGreaterThan(0);
    expect(m.get('relaywatch_delivered_total')!.type).toBe('COUNTER');
    // Connections and disk.
    expect(one(m, 'relaywatch_inbound_connections')).toBe(0);
    expect(one(m, 'relaywatch_spool_bytes')).toBe(status.spoolBytes);
    expect(one(m, 'relaywatch_data_dir_free_bytes')).toBeGreaterThan(0);
    expect(one(m, 'relaywatch_data_dir_free_bytes')).toBeLessThanOrEqual(one(m, 'relaywatch_data_dir_size_bytes'));
    // The process's memory, split so a resident figure can be explained (live heap within the heap, within RSS).
    const used = one(m, 'nodejs_heap_size_used_bytes');
    expect(used).toBeGreaterThan(1024 * 1024);
    expect(used).toBeLessThanOrEqual(one(m, 'nodejs_heap_size_total_bytes'));
    expect(one(m, 'nodejs_heap_size_total_bytes')).toBeLessThan(one(m, 'process_resident_memory_bytes'));
    expect(one(m, 'nodejs_external_memory_bytes')).toBeGreaterThan(0);
    expect(one(m, 'nodejs_malloced_memory_bytes')).toBeGreaterThan(0);
  });

  it('answers 401 without the token or with a wrong one, 403 for a foreign Host', async () => {
    expect((await get(relay, '/metrics')).status).toBe(401);
    expect((await get(relay, '/metrics', { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await get(relay, '/metrics', { authorization: `Bearer ${token}`, host: 'evil.example' })).status).toBe(403);
  });

  it('lets a client in metrics.allowNetworks scrape without the token (and nobody else)', async () => {
    const d = await tempDir('rw-metrics-allow-');
    const open = await startTestRelay(testConfig({ metrics: { allowNetworks: ['127.0.0.0/8'] } }), d.dir);
    const closed = await startTestRelay(testConfig({ metrics: { allowNetworks: ['192.0.2.0/24'] } }), `${d.dir}/other`);
    try {
      const m = await scrape(open, {});
      expect(one(m, 'relaywatch_accepted_total')).toBe(0);
      expect((await get(closed, '/metrics')).status).toBe(401);
    } finally {
      await open.stop();
      await closed.stop();
      await d.remove();
    }
  });
});
