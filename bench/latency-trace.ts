/**
 * latency-trace: where the time between the final dot and the 250 goes. Starts
 * Relaywatch from this worktree's sources (tsx: the bench's build dir is shared) with RELAYWATCH_TRACE_FILE (core/spool/data-path-trace.ts),
 * sends --messages 1 KB messages over 20 sessions with latency-client.ts, stops
 * it and prints p50/p99 per segment next to the client's own end-of-DATA figures.
 *   node --import tsx bench/latency-trace.ts [--messages 2000]
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, runCleanups, stopAllChildren } from './bench-process.js';
import { measureLatency } from './latency-client.js';
import { RelaywatchSide } from './relaywatch-side.js';
import { SmtpSink } from './smtp-tools.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '2000' } } });
const messages = Number(values.messages);
const root = await mkdtemp(join(tmpdir(), 'relaywatch-trace-'));
try {
  const sink = new SmtpSink(await freePort());
  await sink.start();
  await mkdir(join(root, 'rw'));
  const traceFile = join(root, 'trace.json');
  const rw = await RelaywatchSide.create(
    { root: join(root, 'rw'), sink, maxMessageBytes: 26214400, maxRecipients: 100, maxConnections: 100, connectionsPerDestination: 20, retrySeconds: 3600, runMode: 'tsx', env: { RELAYWATCH_TRACE_FILE: traceFile } },
    '',
  );
  await rw.start();
  const lat = await measureLatency({ port: rw.smtpPort, sessions: 20, messages, size: 1024, timeoutMs: 120_000 });
  await sink.waitFor(messages, 60_000);
  await rw.stop();
  await sink.stop();
  console.log(`client: end of DATA → 250 p50 ${lat.p50.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms, max ${lat.max.toFixed(2)} ms (${messages} messages, 20 sessions)`);
  const trace = JSON.parse(await readFile(traceFile, 'utf8')) as Record<string, { n: number; p50: number; p99: number }>;
  console.log('segment                      n      p50 ms   p99 ms');
  for (const [k, v] of Object.entries(trace)) console.log(`${k.padEnd(26)} ${String(v.n).padStart(6)} ${v.p50.toFixed(3).padStart(9)} ${v.p99.toFixed(3).padStart(8)}`);
} finally {
  await runCleanups();
  await stopAllChildren();
  await rm(root, { recursive: true, force: true });
}
