/**
 * state-store: the relay's lowdb file (`state.json` in the data dir).
 *
 * Owns: what is cheap to lose or rebuild (DESIGN.md "Durability"): the queue
 * index (per-recipient attempts, next attempt, last error, host), host history,
 * counters and run-time config overrides. Written in batches by a flush timer,
 * never once per message; state-file.ts writes temp+rename (atomic, not
 * fsynced) and streams the queue from the live queue after start-up, and
 * the spool stays the source of truth, so a lost flush costs at most a
 * duplicate delivery, never a message.
 * Does not own: message content or envelopes (spool/).
 * Raises: nothing on flush (errors are reported through onError and retried);
 * an unreadable state file is moved aside and a fresh one started.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import type { IndexedRecipient } from './queue-types.js';
import { StateFile, type QueueEntries } from './state-file.js';

export interface HostRecord {
  status: 'up' | 'down' | 'unknown';
  since: number;
  delivered: number;
  failed: number;
  deferred: number;
  lastError?: string | undefined;
  suspended?: boolean | undefined;
  history: { status: 'up' | 'down'; at: number; reason?: string | undefined }[];
}

export interface StateData {
  version: 1;
  /** MID -> recipient states. Only messages still in the spool. */
  queue: Record<string, IndexedRecipient[]>;
  hosts: Record<string, HostRecord>;
  counters: { icid: number; dcid: number };
  /** Delivered/bounced totals, and a per-minute ring for "last hour". */
  stats: { delivered: number; bounced: number; minutes: [minute: number, delivered: number, bounced: number, queued?: number][] };
  /** Operator changes from the control API (issue 3), applied over the file config. */
  overrides?: Record<string, unknown>;
}

export const emptyState = (): StateData => ({
  version: 1,
  queue: {},
  hosts: {},
  counters: { icid: 0, dcid: 0 },
  stats: { delivered: 0, bounced: 0, minutes: [] },
});

export class StateStore {
  private db!: Low<StateData>;
  private adapter!: StateFile<StateData>;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private writing: Promise<void> | undefined;
  private lastWriteMs = 0;
  /** Called before each flush so owners can copy their in-memory state in. */
  private readonly collectors: ((data: StateData) => void)[] = [];

  constructor(
    private readonly file: string,
    private readonly opts: { flushIntervalMs: number; corruptDir: string; onError: (e: Error) => void },
  ) {}

  get data(): StateData {
    return this.db.data;
  }

  async open(): Promise<{ recovered: string | undefined }> {
    this.adapter = new StateFile<StateData>(this.file);
    this.db = new Low<StateData>(this.adapter, emptyState());
    try {
      await this.db.read();
      if (!isState(this.db.data)) throw new Error('not a Relaywatch state file');
      return { recovered: undefined };
    } catch (e) {
      // The index is rebuildable from the spool: keep the bad file for the
      // operator and start over rather than refusing to run.
      const aside = join(this.opts.corruptDir, `state.json.${Date.now()}`);
      await rename(this.file, aside).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      this.db.data = emptyState();
      return { recovered: `${(e as Error).message}; moved to ${aside}` };
    }
  }

  /**
   * Hands the queue index over to the live queue: `data.queue` (as loaded) is
   * dropped, and each flush streams the entries `source` yields.
   */
  useQueueSource(source: QueueEntries): void {
    this.db.data.queue = {};
    this.adapter.setQueueSource(source);
  }

  onCollect(fn: (data: StateData) => void): void {
    this.collectors.push(fn);
  }

  /** Marks the state changed; the next timer tick writes it. */
  markDirty(): void {
    this.dirty = true;
    if (this.timer) return;
    // Adaptive batching: never flush more often than 5x the last write took,
    // so a 100,000-recipient index does not eat the CPU under load.
    const delay = Math.max(this.opts.flushIntervalMs, this.lastWriteMs * 5);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
    this.timer.unref();
  }

  /** Writes now if dirty; concurrent callers share one write. */
  async flush(): Promise<void> {
    if (this.writing) {
      await this.writing;
      if (!this.dirty) return;
    }
    if (!this.dirty) return;
    this.dirty = false;
    const started = Date.now();
    this.writing = (async () => {
      for (const c of this.collectors) c(this.db.data);
      await this.db.write();
    })();
    try {
      await this.writing;
      this.lastWriteMs = Date.now() - started;
    } catch (e) {
      this.dirty = true;
      this.opts.onError(e as Error);
    } finally {
      this.writing = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = true;
    await this.flush();
  }
}

function isState(d: unknown): d is StateData {
  if (!d || typeof d !== 'object') return false;
  const s = d as Partial<StateData>;
  return s.version === 1 && typeof s.queue === 'object' && typeof s.hosts === 'object' && typeof s.counters === 'object';
}
