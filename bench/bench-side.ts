/**
 * bench-side: what run.ts needs from each relay under test (Relaywatch and the
 * private Postfix), so every phase drives both the same way; plus waiting for a
 * side's queue to settle and a spool folder's size on disk.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pollUntil } from './bench-process.js';
import type { TreeMemory } from './proc-memory.js';
import type { SmtpSink } from './smtp-tools.js';

export interface QueueCounts {
  /** Messages in the queue, whatever their state. */
  messages: number;
  /** Of those, how many are being received or delivered right now. */
  inFlight: number;
}

export interface SpoolUsage {
  /** Sum of file sizes. */
  bytes: number;
  /** Blocks allocated on disk (st_blocks × 512). */
  allocatedBytes: number;
  files: number;
}

export interface BenchSide {
  readonly name: 'relaywatch' | 'postfix';
  /** Where smtp-source sends (127.0.0.1). */
  readonly smtpPort: number;
  /** The destination every message is relayed to. */
  readonly sink: SmtpSink;
  /** Delivers every deferred message now (postqueue -f, retryall). */
  retryAll(): Promise<void>;
  /** Forces delivery to the sink's host (Relaywatch: delivernow, which probes a Down host). */
  deliverNow?(): Promise<void>;
  queue(): Promise<QueueCounts>;
  /** Deletes every queued message (between phases). */
  clearQueue(): Promise<void>;
  /** Memory of every process of the relay (one for Relaywatch, a tree for Postfix). */
  memory(): Promise<TreeMemory>;
  /** Disk used by queued messages and their queue index. */
  spool(): Promise<SpoolUsage>;
  /** Starts (again) on the same data/queue dir. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Waits until `side` holds exactly `messages` messages with none in flight,
 * i.e. every delivery attempt has ended (deferred or delivered).
 */
export async function waitQueueSettled(side: BenchSide, messages: number, timeoutMs: number): Promise<QueueCounts> {
  let last: QueueCounts = { messages: -1, inFlight: -1 };
  try {
    return await pollUntil(
      `${side.name} to hold ${messages} messages with none in flight`,
      async () => {
        last = await side.queue();
        return last.messages === messages && last.inFlight === 0 ? last : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );
  } catch (e) {
    throw new Error(`${(e as Error).message} (last: ${last.messages} messages, ${last.inFlight} in flight)`, { cause: e });
  }
}

/** Size of every regular file under `dir` (recursively); a missing dir is empty. */
export async function dirUsage(dir: string, skip: (name: string) => boolean = () => false): Promise<SpoolUsage> {
  const total: SpoolUsage = { bytes: 0, allocatedBytes: 0, files: 0 };
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return total;
    throw e;
  }
  for (const name of names) {
    if (skip(name)) continue;
    const p = join(dir, name);
    let st;
    try {
      st = await lstat(p);
    } catch (e) {
      // Delivered and removed between readdir and lstat: not queued any more.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    if (st.isDirectory()) {
      const sub = await dirUsage(p, skip);
      total.bytes += sub.bytes;
      total.allocatedBytes += sub.allocatedBytes;
      total.files += sub.files;
    } else if (st.isFile()) {
      total.bytes += st.size;
      total.allocatedBytes += st.blocks * 512;
      total.files++;
    }
  }
  return total;
}

/** Adds up usages. */
export function addUsage(...u: SpoolUsage[]): SpoolUsage {
  return u.reduce((a, b) => ({ bytes: a.bytes + b.bytes, allocatedBytes: a.allocatedBytes + b.allocatedBytes, files: a.files + b.files }), {
    bytes: 0,
    allocatedBytes: 0,
    files: 0,
  });
}
