/**
 * showrecipients: how long `showrecipients` takes with 100,000 recipients queued
 * (target: under 100 ms), through the control API and through the CLI. Alone, it
 * first queues N recipients in a Relaywatch of its own:
 * node --import tsx bench/showrecipients.ts [--recipients N] [--tsx]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BenchError, freePort, onCleanup, runCleanups, runCommand, setBenchDeadline, stopAllChildren } from './bench-process.js';
import { waitQueueSettled } from './bench-side.js';
import { percentile } from './latency-client.js';
import { buildRelaywatch, RelaywatchSide } from './relaywatch-side.js';
import { runSmtpSource, SmtpSink } from './smtp-tools.js';

export interface ShowRecipientsTiming {
  label: string;
  /** Median and worst of the runs, ms. */
  p50: number;
  max: number;
  runs: number;
  /** Rows matching (the page's `total`), when the API said. */
  total: number | undefined;
}

async function timeRuns(label: string, runs: number, fn: () => Promise<number | undefined>): Promise<ShowRecipientsTiming> {
  const ms: number[] = [];
  let total: number | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    total = await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { label, p50: percentile(ms, 50), max: ms.at(-1)!, runs, total };
}

/** Times showrecipients through the API (several filters) and once through the CLI. */
export async function timeShowRecipients(side: RelaywatchSide, cli: string, host: string): Promise<ShowRecipientsTiming[]> {
  type Page = { total: number };
  const out: ShowRecipientsTiming[] = [];
  out.push(await timeRuns('API showrecipients (first page)', 10, async () => (await side.control<Page>('showrecipients', {})).total));
  out.push(await timeRuns(`API showrecipients --host ${host}`, 10, async () => (await side.control<Page>('showrecipients', { host })).total));
  out.push(
    await timeRuns('API showrecipients --sender (no match)', 10, async () => (await side.control<Page>('showrecipients', { sender: 'nobody@nowhere.example' })).total),
  );
  out.push(
    await timeRuns('CLI relaywatch showrecipients --json', 3, async () => {
      const r = await runCommand(process.execPath, [cli, 'showrecipients', '--data-dir', side.dataDir, '--json'], { timeoutMs: 60_000 });
      if (r.code !== 0) throw new BenchError(`relaywatch showrecipients exited ${r.code}: ${r.stderr.trim()}`);
      try {
        return (JSON.parse(r.stdout) as Page).total;
      } catch (e) {
        throw new BenchError(`relaywatch showrecipients --json printed no JSON (${(e as Error).message})`);
      }
    }),
  );
  return out;
}

export function formatTimings(t: ShowRecipientsTiming[]): string {
  return t.map((x) => `${x.label.padEnd(44)} p50 ${x.p50.toFixed(1)} ms  max ${x.max.toFixed(1)} ms  (${x.runs} runs, total ${x.total ?? '?'})`).join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { recipients: { type: 'string', default: '100000' }, tsx: { type: 'boolean', default: false } } });
  const recipients = Number(values.recipients);
  if (!Number.isInteger(recipients) || recipients < 100) throw new BenchError('--recipients must be a whole number ≥ 100');
  setBenchDeadline(15 * 60_000);
  const root = await mkdtemp(join(tmpdir(), 'relaywatch-showrcpt-'));
  onCleanup('remove temp dir', () => rm(root, { recursive: true, force: true }));
  const sink = new SmtpSink(await freePort()); // never started: the destination is down
  const cli = await buildRelaywatch();
  const side = await RelaywatchSide.create(
    {
      root,
      sink,
      maxMessageBytes: 26214400,
      maxRecipients: 100,
      maxConnections: 100,
      connectionsPerDestination: 20,
      retrySeconds: 3600,
      runMode: values.tsx ? 'tsx' : 'built',
    },
    cli,
  );
  await side.start();
  const messages = Math.ceil(recipients / 100);
  process.stdout.write(`queueing ${messages} messages × 100 recipients (destination down)…\n`);
  await runSmtpSource({ port: side.smtpPort, sessions: 20, messages, size: 1024, recipients: 100, timeoutMs: 600_000 });
  await waitQueueSettled(side, messages, 600_000);
  process.stdout.write(formatTimings(await timeShowRecipients(side, cli, `127.0.0.1:${sink.port}`)) + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stop = (sig: string): void => {
    process.stderr.write(`showrecipients: ${sig}, stopping\n`);
    void runCleanups().then(() => process.exit(130));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  main()
    .catch((e: unknown) => {
      process.stderr.write(`showrecipients: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    })
    .finally(async () => {
      await runCleanups();
      await stopAllChildren();
    });
}
