/**
 * run: `npm run bench`, Relaywatch against a private Postfix: the phases
 * (bench/README.md), driving both alternately with smtp-source into smtp-sink, the
 * total time bound, and stopping everything it started on any exit.
 * Usage: node --import tsx bench/run.ts [--quick] [--only postfix|relaywatch] [--minutes 25] [--tsx] [--cpu-prof] [--json FILE] [--no-build]
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchError, BenchTimeUp, benchTimeLeft, freePort, onCleanup, runCleanups, setBenchDeadline, stopAllChildren } from './bench-process.js';
import { waitQueueSettled, type BenchSide, type SpoolUsage } from './bench-side.js';
import { summarizeProfiles } from './cpu-profile.js';
import { measureLatency, type LatencyResult } from './latency-client.js';
import { PostfixInstance } from './postfix-instance.js';
import { sampleOver, type SampleSummary } from './memory-sampler.js';
import { memoryOf, restart, scans, type RestartResult, type ScanPlan } from './office-phases.js';
import { buildRelaywatch, REPO, RelaywatchSide, type MemorySplit } from './relaywatch-side.js';
import { formatFigure, formatTable, header, type Figure } from './report.js';
import { formatTimings, timeShowRecipients, type ShowRecipientsTiming } from './showrecipients.js';
import { runSmtpSource, SmtpSink } from './smtp-tools.js';

const SESSIONS = 20;
const MB = 1024 * 1024;
/** Retries an hour apart on both sides: only "retry all" starts deferred mail. */
const RETRY_SECONDS = 3600;
const LIMITS = { maxMessageBytes: 26214400, maxRecipients: 100, maxConnections: 100, connectionsPerDestination: 20 };

interface Plan {
  small: { count: number; size: number };
  large: { count: number; size: number };
  latency: number;
  deferred: number;
  queued: [number, number];
  /** Scanners: devices × messages each × bytes. */
  scans: ScanPlan;
  /** Memory at rest: the median of samples over this window. */
  restMs: number;
}

const FULL: Plan = { small: { count: 10_000, size: 1024 }, large: { count: 2_000, size: 102_400 }, latency: 2_000, deferred: 5_000, queued: [10_000, 100_000], scans: { devices: 20, perDevice: 10, size: 5 * MB }, restMs: 30_000 };
const QUICK: Plan = { small: { count: 1_000, size: 1024 }, large: { count: 200, size: 102_400 }, latency: 200, deferred: 500, queued: [1_000, 5_000], scans: { devices: 20, perDevice: 1, size: 5 * MB }, restMs: 5_000 };

/** Time allowed for `count` messages: a floor rate far below either relay, plus start-up. */
const allow = (count: number, perSecond = 50): number => 60_000 + (count / perSecond) * 1000;

type PerSide<T> = Partial<Record<BenchSide['name'], T>>;

const figures: Figure[] = [];
const failures: string[] = [];
function emit(f: Figure): void {
  figures.push(f);
  process.stdout.write(formatFigure(f) + '\n');
}

function say(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

/**
 * Runs `fn` for each side, alternating who goes first from phase to phase. A
 * side that fails a phase is reported and left out of that figure (its queue
 * is emptied by the next phase); running out of total time ends the bench.
 */
let phaseNo = 0;
async function eachSide<T>(phase: string, sides: BenchSide[], fn: (s: BenchSide) => Promise<T>): Promise<PerSide<T>> {
  const order = phaseNo++ % 2 === 0 ? sides : [...sides].reverse();
  const out: PerSide<T> = {};
  for (const s of order) {
    try {
      out[s.name] = await fn(s);
    } catch (e) {
      if (e instanceof BenchTimeUp) throw e;
      failures.push(`${s.name}: ${phase}: ${(e as Error).message}`);
      say(`${s.name}: ${phase} FAILED: ${(e as Error).message}`);
    }
  }
  return out;
}

async function ensureEmptyAndSinkUp(s: BenchSide): Promise<void> {
  if (!s.sink.running) await s.sink.start();
  const q = await s.queue();
  if (q.messages !== 0) await s.clearQueue();
}

// --- phase 1: throughput ---------------------------------------------------------

interface Throughput {
  acceptPerSec: number;
  endToEndPerSec: number;
}

async function throughput(s: BenchSide, count: number, size: number): Promise<Throughput> {
  await ensureEmptyAndSinkUp(s);
  const base = s.sink.messages;
  const giveUp = new AbortController();
  try {
    const t0 = performance.now();
    const delivered = s.sink.waitFor(base + count, allow(count, 20), giveUp.signal);
    const src = await runSmtpSource({ port: s.smtpPort, sessions: SESSIONS, messages: count, size, timeoutMs: allow(count) });
    const tEnd = await delivered;
    await waitQueueSettled(s, 0, 60_000);
    say(`${s.name}: ${count} × ${size} B: accepted in ${(src.ms / 1000).toFixed(2)} s, delivered in ${((tEnd - t0) / 1000).toFixed(2)} s`);
    return { acceptPerSec: count / (src.ms / 1000), endToEndPerSec: count / ((tEnd - t0) / 1000) };
  } finally {
    giveUp.abort();
  }
}

/**
 * Queues `count` 1 KB messages. Not a measurement: sessions reuse their
 * connection (smtp-source -d) so that filling a queue of 100,000 does not
 * take most of the bench's time.
 */
async function fill(s: BenchSide, count: number): Promise<void> {
  await runSmtpSource({ port: s.smtpPort, sessions: SESSIONS, messages: count, size: 1024, reuseConnections: true, timeoutMs: allow(count) });
}

// --- phase 3: retry-all ------------------------------------------------------------

async function retryAll(s: BenchSide, count: number): Promise<number> {
  await ensureEmptyAndSinkUp(s);
  await s.sink.stop();
  await fill(s, count);
  await waitQueueSettled(s, count, allow(count));
  await s.sink.start();
  const giveUp = new AbortController();
  let ms: number;
  try {
    const delivered = s.sink.waitFor(count, allow(count, 20), giveUp.signal);
    let t0 = performance.now();
    await s.retryAll();
    if (s.deliverNow) {
      // "Retry all" is the operator's button for "the host is back": it must
      // start delivery at once. If nothing moves, say so and time the fallback.
      const grace = new AbortController();
      const timer = setTimeout(() => grace.abort(), 10_000);
      const firstDelivery = await s.sink.waitFor(1, 15_000, AbortSignal.any([giveUp.signal, grace.signal]));
      clearTimeout(timer);
      if (Number.isNaN(firstDelivery)) {
        retryNotes.push(`${s.name}: retryall delivered nothing in 10 s (destination still marked Down); timed delivernow instead`);
        say(retryNotes.at(-1)!);
        t0 = performance.now();
        await s.deliverNow();
      }
    }
    ms = (await delivered) - t0;
  } finally {
    giveUp.abort();
  }
  await waitQueueSettled(s, 0, 60_000);
  say(`${s.name}: retry-all of ${count} deferred: ${(ms / 1000).toFixed(2)} s`);
  return ms / 1000;
}
const retryNotes: string[] = [];

// --- phase 4: memory and spool with mail queued --------------------------------------

interface Queued {
  /** Before queueing, after the earlier phases: the baseline. */
  idle: SampleSummary;
  /** Relaywatch RSS / Postfix PSS at rest, bytes, at each queued count. */
  memory: SampleSummary[];
  spool: SpoolUsage;
  showrecipients?: ShowRecipientsTiming[];
  postqueueListMs?: number;
  restart?: RestartResult | undefined;
  /** Relaywatch: its resident pages by mapping and its JavaScript heap, at the end of each window. */
  split?: MemorySplit[];
}

/** Says what Relaywatch's resident memory is made of right now (the explanation a memory figure needs). */
async function explainMemory(s: RelaywatchSide, queued: number): Promise<MemorySplit> {
  const m = await s.memorySplit();
  const mb = (b: number): string => `${(b / MB).toFixed(1)} MB`;
  say(
    `relaywatch: ${queued} queued, resident now: node's program file ${mb(m.program)}, libraries ${mb(m.libraries)}, ` +
      `C heap (brk) ${mb(m.brkHeap)}, anonymous ${mb(m.anonymous)} (JavaScript heap ${mb(m.heapTotal)}, of it in use ${mb(m.heapUsed)}; buffers ${mb(m.external)})`,
  );
  return m;
}

/**
 * Memory "at rest": after 3 s for batched index writes and post-burst work, the
 * median of samples once a second over the plan's window (30 s), so the figure
 * does not hang on when V8 last collected.
 */
async function atRest(s: BenchSide, windowMs: number): Promise<SampleSummary> {
  await new Promise((r) => setTimeout(r, 3000));
  return sampleOver(() => memoryOf(s), { durationMs: windowMs, intervalMs: 1000 });
}

const mbText = (m: SampleSummary): string => `median ${(m.median / MB).toFixed(1)} MB (min ${(m.min / MB).toFixed(1)}, max ${(m.max / MB).toFixed(1)}, ${m.samples} samples)`;

async function queuedMemory(s: BenchSide, p: Plan, cli: string | undefined): Promise<Queued> {
  const counts = p.queued;
  await ensureEmptyAndSinkUp(s);
  const idle = await atRest(s, p.restMs);
  await s.sink.stop();
  const [first, second] = counts;
  await fill(s, first);
  await waitQueueSettled(s, first, allow(first));
  const m1 = await atRest(s, p.restMs);
  const spool = await s.spool();
  say(`${s.name}: ${first} queued: ${mbText(m1)}`);
  const splits: MemorySplit[] = [];
  if (s instanceof RelaywatchSide) splits.push(await explainMemory(s, first));
  await fill(s, second - first);
  await waitQueueSettled(s, second, allow(second - first));
  const m2 = await atRest(s, p.restMs);
  say(`${s.name}: ${second} queued: ${mbText(m2)}`);
  if (s instanceof RelaywatchSide) splits.push(await explainMemory(s, second));
  const out: Queued = { idle, memory: [m1, m2], spool, ...(splits.length ? { split: splits } : {}) };
  if (s instanceof RelaywatchSide && cli) {
    out.showrecipients = await timeShowRecipients(s, cli, `127.0.0.1:${s.sink.port}`).catch((e: Error) => {
      say(`relaywatch: showrecipients not timed: ${e.message}`);
      return undefined;
    });
    if (out.showrecipients) say(`showrecipients with ${second} recipients queued:\n${formatTimings(out.showrecipients)}`);
  }
  if (s instanceof PostfixInstance) {
    const t0 = performance.now();
    const listed = await s.listQueue();
    out.postqueueListMs = performance.now() - t0;
    say(`postfix: postqueue -j listed ${listed.length} messages in ${out.postqueueListMs.toFixed(0)} ms`);
  }
  // Restart with the queue as it is (sink down until just before the start).
  out.restart = await restart(s, second, allow(second)).catch((e: Error) => {
    failures.push(`${s.name}: restart: ${e.message}`);
    say(`${s.name}: restart FAILED: ${e.message}`);
    return undefined;
  });
  if (out.restart) say(`${s.name}: restart with ${second} queued: greeting after ${out.restart.greeting.toFixed(2)} s, first delivery after ${out.restart.firstDelivery.toFixed(2)} s`);
  await s.clearQueue();
  await s.sink.start();
  return out;
}

// --- main ----------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      minutes: { type: 'string', default: '25' },
      tsx: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      json: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
    },
  });
  const plan = values.quick ? QUICK : FULL;
  const only = values.only;
  if (only !== undefined && only !== 'postfix' && only !== 'relaywatch') throw new BenchError('--only takes postfix or relaywatch');
  setBenchDeadline(Number(values.minutes) * 60_000);
  const started = Date.now();

  const version = await PostfixInstance.version();
  say(`Relaywatch vs Postfix ${version}; ${values.quick ? 'quick' : 'full'} run; ${SESSIONS} sessions; 250 only after fsync on both sides`);
  const root = await mkdtemp(join(tmpdir(), 'relaywatch-bench-'));
  // Postfix's daemons run as `postfix` and must traverse it to reach their queue.
  await chmod(root, 0o755);
  onCleanup('remove temp dir', () => rm(root, { recursive: true, force: true }));

  const sides: BenchSide[] = [];
  if (only !== 'relaywatch') {
    const sink = new SmtpSink(await freePort());
    await sink.start();
    const pfRoot = join(root, 'postfix');
    await mkdir(pfRoot);
    const pf = await PostfixInstance.create({ root: pfRoot, smtpPort: await freePort(), sink, ...LIMITS, retrySeconds: RETRY_SECONDS });
    await pf.start();
    sides.push(pf);
  }
  let cli: string | undefined;
  const profileDir = join(REPO, 'bench', 'results', `cpu-profile-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  if (only !== 'postfix') {
    say('compiling Relaywatch…');
    cli = values.tsx ? undefined : await buildRelaywatch({ reuse: values['no-build'] });
    const sink = new SmtpSink(await freePort());
    await sink.start();
    const rwRoot = join(root, 'relaywatch');
    await mkdir(rwRoot);
    if (values['cpu-prof']) await mkdir(profileDir, { recursive: true });
    const rw = await RelaywatchSide.create(
      {
        root: rwRoot,
        sink,
        ...LIMITS,
        retrySeconds: RETRY_SECONDS,
        runMode: values.tsx ? 'tsx' : 'built',
        nodeArgs: values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
      },
      cli ?? '',
    );
    await rw.start();
    sides.push(rw);
  }
  process.stdout.write(header() + '\n');

  for (const { count, size } of [plan.small, plan.large]) {
    const label = size >= 1024 ? `${Math.round(size / 1024)} KB` : `${size} B`;
    const t = await eachSide(`throughput ${label} × ${count}`, sides, (s) => throughput(s, count, size));
    emit({ name: `accept/s ${label} × ${count}`, unit: 'msg/s', better: 'higher', relaywatch: t.relaywatch?.acceptPerSec, postfix: t.postfix?.acceptPerSec });
    emit({
      name: `end-to-end/s ${label} × ${count}`,
      unit: 'msg/s',
      better: 'higher',
      relaywatch: t.relaywatch?.endToEndPerSec,
      postfix: t.postfix?.endToEndPerSec,
      target: { kind: 'ratio', min: size < 10_000 ? 2 : 1.5 },
    });
  }

  const lat = await eachSide('latency', sides, async (s): Promise<LatencyResult> => {
    await ensureEmptyAndSinkUp(s);
    const base = s.sink.messages;
    const r = await measureLatency({ port: s.smtpPort, sessions: SESSIONS, messages: plan.latency, size: 1024, timeoutMs: allow(plan.latency) });
    await s.sink.waitFor(base + plan.latency, allow(plan.latency));
    await waitQueueSettled(s, 0, 60_000);
    return r;
  });
  emit({ name: 'end of DATA → 250, p50', unit: 'ms', better: 'lower', relaywatch: lat.relaywatch?.p50, postfix: lat.postfix?.p50, target: { kind: 'ratio', min: 1 } });
  emit({ name: 'end of DATA → 250, p99', unit: 'ms', better: 'lower', relaywatch: lat.relaywatch?.p99, postfix: lat.postfix?.p99, target: { kind: 'ratio', min: 1.5 } });

  const retry = await eachSide('retry-all', sides, (s) => retryAll(s, plan.deferred));
  emit({
    name: `retry-all of ${plan.deferred} deferred${retryNotes.length ? ' (delivernow)' : ''}`,
    unit: 's',
    better: 'lower',
    relaywatch: retry.relaywatch,
    postfix: retry.postfix,
    target: { kind: 'ratio', min: 3 },
    note: retryNotes.length ? retryNotes.join('; ') : undefined,
  });

  const { devices, perDevice, size: scanSize } = plan.scans;
  const scanCount = devices * perDevice;
  const scanLabel = `scans ${scanCount} × ${Math.round(scanSize / MB)} MB from ${devices} devices`;
  const sc = await eachSide(scanLabel, sides, async (s) => {
    await ensureEmptyAndSinkUp(s);
    const r = await scans(s, plan.scans, allow(scanCount, 1));
    say(`${s.name}: ${scanLabel}: delivered in ${r.seconds.toFixed(2)} s, peak ${(r.peakBytes / MB).toFixed(1)} MB`);
    return r;
  });
  emit({ name: `${scanLabel}, end-to-end`, unit: 'MB/s', better: 'higher', relaywatch: sc.relaywatch?.mbPerSec, postfix: sc.postfix?.mbPerSec });
  emit({ name: `${scanLabel}, end-to-end`, unit: 'msg/s', better: 'higher', relaywatch: sc.relaywatch?.msgPerSec, postfix: sc.postfix?.msgPerSec });
  emit({
    name: `${scanLabel}, peak memory`,
    unit: 'MB',
    better: 'lower',
    relaywatch: sc.relaywatch && sc.relaywatch.peakBytes / MB,
    postfix: sc.postfix && sc.postfix.peakBytes / MB,
    note: 'max of samples every 250 ms: Relaywatch RSS; Postfix PSS of all its processes',
  });

  const q = await eachSide('queued memory', sides, (s) => queuedMemory(s, plan, cli));
  const [first, second] = plan.queued;
  const note = `at rest: median over ${plan.restMs / 1000} s; Relaywatch RSS of its process; Postfix PSS of all its processes`;
  emit({
    name: 'memory, queue empty',
    unit: 'MB',
    better: 'lower',
    relaywatch: q.relaywatch && q.relaywatch.idle.median / MB,
    postfix: q.postfix && q.postfix.idle.median / MB,
    note: 'baseline after the earlier phases',
  });
  emit({
    name: `memory with ${first} queued`,
    unit: 'MB',
    better: 'lower',
    relaywatch: q.relaywatch && q.relaywatch.memory[0]!.median / MB,
    postfix: q.postfix && q.postfix.memory[0]!.median / MB,
    target: { kind: 'atMost', value: 80 },
    note,
  });
  emit({
    name: `memory with ${second} queued`,
    unit: 'MB',
    better: 'lower',
    relaywatch: q.relaywatch && q.relaywatch.memory[1]!.median / MB,
    postfix: q.postfix && q.postfix.memory[1]!.median / MB,
    target: { kind: 'atMost', value: 120 },
    note,
  });
  emit({
    name: `spool bytes/message (${first} × 1 KB)`,
    unit: 'B',
    better: 'lower',
    relaywatch: q.relaywatch && q.relaywatch.spool.bytes / first,
    postfix: q.postfix && q.postfix.spool.bytes / first,
    note: `file sizes; on disk ${q.relaywatch ? (q.relaywatch.spool.allocatedBytes / first).toFixed(0) : '—'} vs ${q.postfix ? (q.postfix.spool.allocatedBytes / first).toFixed(0) : '—'} B allocated`,
  });
  const sr = q.relaywatch?.showrecipients?.[0];
  emit({
    name: `showrecipients, ${second} queued`,
    unit: 'ms',
    better: 'lower',
    relaywatch: sr?.p50,
    postfix: q.postfix?.postqueueListMs,
    target: { kind: 'below', value: 100 },
    note: 'Relaywatch: API, first page, p50; Postfix: postqueue -j of the whole queue',
  });

  const rs = (k: 'greeting' | 'firstDelivery'): { relaywatch: number | undefined; postfix: number | undefined } => ({
    relaywatch: q.relaywatch?.restart?.[k],
    postfix: q.postfix?.restart?.[k],
  });
  const restartNote = [q.relaywatch?.restart?.note, q.postfix?.restart?.note].filter(Boolean).join('; ');
  emit({ name: `restart, ${second} queued: until greeting`, unit: 's', better: 'lower', ...rs('greeting'), note: 'SIGTERM / postfix stop, then start: until the 220' });
  emit({
    name: `restart, ${second} queued: first delivery`,
    unit: 's',
    better: 'lower',
    ...rs('firstDelivery'),
    note: `from the start command; retry all asked for at the greeting${restartNote ? `; ${restartNote}` : ''}`,
  });

  process.stdout.write(`\n${formatTable(figures)}\n`);
  for (const f of failures) process.stdout.write(`FAILED ${f}\n`);
  process.stdout.write(`# bench took ${((Date.now() - started) / 1000).toFixed(0)} s (${(benchTimeLeft() / 1000).toFixed(0)} s of its limit left)\n`);
  const json = values.json ?? join(REPO, 'bench', 'results', `bench-${values.quick ? 'quick-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(join(json, '..'), { recursive: true });
  await writeFile(json, JSON.stringify({ postfix: version, plan, figures, failures, queued: q, scans: sc }, null, 2));
  say(`figures written to ${json}`);

  // Profiles are written when the relay exits.
  for (const s of sides) await s.stop();
  if (values['cpu-prof']) process.stdout.write(`\n${await summarizeProfiles(profileDir, 25)}\n`);
}

const onSignal = (sig: string): void => {
  process.stderr.write(`bench: ${sig}: stopping everything it started\n`);
  void runCleanups()
    .then(() => stopAllChildren())
    .finally(() => process.exit(130));
};
process.once('SIGINT', () => onSignal('SIGINT'));
process.once('SIGTERM', () => onSignal('SIGTERM'));

main()
  .catch((e: unknown) => {
    if (figures.length) process.stdout.write(`\nfigures measured before the failure:\n${formatTable(figures)}\n`);
    process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await runCleanups();
    await stopAllChildren();
  });
