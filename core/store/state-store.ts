/**
 * state-store: the relay's lowdb file (`state.json` in the data dir).
 *
 * Owns: what is cheap to lose or rebuild (DESIGN.md "Durability"): the queue
 * index (per-recipient attempts, next attempt, last error, host), host history,
 * counters (and settings an older version kept here, moved to the config file at start). Written in batches by a flush timer,
 * never once per message; state-file.ts writes temp+rename (atomic, not
 * fsynced) and streams the queue from the live queue after start-up, and
 * the spool stays the source of truth, so a lost flush costs at most a
 * duplicate delivery, never a message.
 * Does not own: message content or envelopes (spool/).
 * Raises: nothing on flush (errors are reported through onError and retried);
 * a state file that is unreadable, not JSON, or not the shape state-schema.ts
 * describes is moved to the corrupt dir and a fresh one started (the queue
 * is rebuilt from the spool).
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { StateFile, type QueueEntries } from './state-file.js';
import { parseState, type StateData } from './state-schema.js';

export type { StateData } from './state-schema.js';

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
      // Validated before anything reads it: restore code trusts the shape.
      const raw: unknown = await this.adapter.read();
      if (raw === null) return { recovered: undefined }; // no file yet
      const parsed = parseState(raw);
      if (!parsed.ok) throw new Error(`not a Relaywatch state file: ${parsed.reason}`);
      this.db.data = parsed.data;
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
  scheduleWrite(): void {
    this.dirty = true;
    if (this.timer) return;
    // Adaptive batching: never flush more often than 5x the last write took,
    // so a 100,000-recipient index does not eat the CPU under load.
    const delay = Math.max(this.opts.flushIntervalMs, this.lastWriteMs * 5);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // flush() reports write errors through onError; this catch is for anything else.
      this.flush().catch((e: unknown) => this.opts.onError(e as Error));
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
