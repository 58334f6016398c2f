/**
 * pickup-folder: the pickup folder as a running service. Creates its folders,
 * recovers claims a crash left, then polls every pollSeconds: lists the
 * folder, keeps only regular files with names a finished writer leaves
 * (pickup-names.ts) that have stopped changing (file-readiness.ts), and takes
 * them one at a time (take-file.ts). Also what `status` shows of it.
 */
import { lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PickupStatus } from '../../common/contract.js';
import { RelayError, toRelayError } from '../errors/relay-error.js';
import { logLines } from '../log/log-lines.js';
import { DirSync } from '../spool/dir-sync.js';
import { nodeSpoolFs } from '../spool/spool-fs.js';
import { badmailLister, type BadmailListing } from './badmail.js';
import { FileReadiness, type SeenFile } from './file-readiness.js';
import { isIgnoredName, pickupPaths } from './pickup-names.js';
import { recoverClaims, type RecoveryDeps } from './pickup-recovery.js';
import { claimFile, processClaim, type TakeDeps } from './take-file.js';

/** Files taken at once within one poll. */
const TAKE_CONCURRENCY = 8;

export interface PickupOptions extends Omit<RecoveryDeps, 'paths' | 'workSync'> {
  dir: string;
  pollSeconds: number;
}

export class PickupFolder {
  private readonly deps: RecoveryDeps;
  private readonly readiness = new FileReadiness();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private taken = 0;
  private waiting = 0;
  private lastError: string | null = null;
  private pollWaiters: (() => void)[] = [];
  private readonly badmail: () => Promise<BadmailListing>;

  constructor(private readonly opts: PickupOptions) {
    const paths = pickupPaths(opts.dir);
    this.deps = { ...opts, paths, workSync: new DirSync(nodeSpoolFs, paths.work) };
    this.badmail = badmailLister(paths.badmail);
  }

  /** Creates the folders (as IIS does), finishes interrupted claims, and starts polling. */
  async start(): Promise<void> {
    const { paths } = this.deps;
    try {
      await this.makeFolders();
    } catch (e) {
      throw new RelayError({ code: 'ECONFIG', message: `pickup.dir: cannot use ${paths.dir}: ${(e as Error).message}`, temporary: false });
    }
    const r = await recoverClaims(this.deps);
    this.taken += r.retaken;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    for (const w of this.pollWaiters.splice(0)) w();
  }

  /** One poll now (tests; the timer calls it too). Never runs two at once. */
  poll(): Promise<void> {
    this.running ??= this.pollOnce().finally(() => {
      this.running = undefined;
      for (const w of this.pollWaiters.splice(0)) w();
    });
    return this.running;
  }

  /** Resolves after the next poll that starts from now has finished (tests watch the timer's polls). */
  nextPoll(): Promise<void> {
    const after = this.running ?? Promise.resolve();
    return after.then(() => new Promise<void>((r) => this.pollWaiters.push(r)));
  }

  async status(): Promise<PickupStatus> {
    const bad = await this.badmail();
    return { dir: this.opts.dir, waiting: this.waiting, taken: this.taken, badmail: bad.count, recentBad: bad.recent, error: this.lastError };
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      // pollOnce() catches everything it meets: poll() does not reject.
      this.poll().then(
        () => this.schedule(),
        () => this.schedule(),
      );
    }, this.opts.pollSeconds * 1000);
    this.timer.unref();
  }

  private async pollOnce(): Promise<void> {
    try {
      // Again every poll (a stat when they exist): a folder deleted or a share
      // remounted while the relay runs must not leave claims nowhere to go.
      await this.makeFolders();
      const files = await this.list();
      const ready = this.readiness.scan(files);
      this.waiting = files.size;
      const queue = [...ready];
      const worker = async (): Promise<void> => {
        for (let name = queue.shift(); name !== undefined && !this.stopped; name = queue.shift()) {
          this.readiness.forget(name);
          const claim = await claimFile(this.deps as TakeDeps, name);
          if (!claim) continue;
          this.waiting--;
          const r = await processClaim(this.deps, claim);
          if (r.kind === 'taken') this.taken++;
        }
      };
      // A few at once: the spool's and the working folder's fsyncs are group
      // commits, so concurrent takes share them (serially, each file paid two).
      // allSettled: the poll (and stop()) waits for every worker, even after one failed.
      const results = await Promise.allSettled(Array.from({ length: Math.min(TAKE_CONCURRENCY, queue.length) }, worker));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      if (this.lastError !== null) this.lastError = null;
    } catch (e) {
      const message = toRelayError(e).message;
      // Logged once per new error, not every poll while the share stays gone.
      if (message !== this.lastError) this.deps.log.warn(logLines.pickupFailed(this.opts.dir, message));
      this.lastError = message;
    }
  }

  private async makeFolders(): Promise<void> {
    const { paths } = this.deps;
    for (const d of [paths.dir, paths.work, paths.badmail]) await mkdir(d, { recursive: true });
  }

  /** Regular files with a takeable name, by lstat: a symlink is never followed. */
  private async list(): Promise<Map<string, SeenFile>> {
    const out = new Map<string, SeenFile>();
    for (const name of await readdir(this.deps.paths.dir)) {
      if (isIgnoredName(name)) continue;
      const st = await lstat(join(this.deps.paths.dir, name)).catch(() => undefined);
      if (!st?.isFile()) continue;
      out.set(name, { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino });
    }
    return out;
  }
}
