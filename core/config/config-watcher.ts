/**
 * config-watcher: notices edits to the config file while the relay runs. An
 * fs.watch on the file's folder (editors replace files by rename, which a
 * watch on the file itself stops seeing) plus a poll as the fallback (network
 * shares and some platforms drop watch events); both only schedule a read,
 * debounced, and a read reports only text that differs from the last known.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { readConfigText } from './config-file.js';

export interface ConfigWatcherOptions {
  /** Quiet time after the last event before reading (an editor saves in several writes). */
  debounceMs?: number;
  pollMs?: number;
  onError(e: Error): void;
}

export class ConfigWatcher {
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly file: string,
    /** The text now known to be in the file (read at start, or just written by Settings). */
    private known: string | undefined,
    private readonly onText: (text: string | undefined) => void,
    private readonly opts: ConfigWatcherOptions,
  ) {}

  start(): void {
    const name = basename(this.file);
    try {
      this.watcher = watch(dirname(this.file), { persistent: false }, (_event, f) => {
        // Some platforms give no file name: then any event in the folder counts.
        if (f === null || f === name) this.schedule();
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      this.watcher = undefined; // the poll alone
    }
    this.poll = setInterval(() => this.schedule(0), this.opts.pollMs ?? 2000);
    this.poll.unref();
  }

  /**
   * Runs Settings' write of the file between reads, never during one (a read
   * of the old text finishing after the write would report it as an edit);
   * the text written is then known, so it is no edit to report either.
   */
  async writing(write: () => Promise<string>): Promise<void> {
    const done = this.reading.then(async () => {
      this.known = await write();
    });
    this.reading = done.catch(() => undefined);
    return done;
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    clearInterval(this.poll);
    clearTimeout(this.debounce);
  }

  private schedule(delay = this.opts.debounceMs ?? 300): void {
    if (this.stopped) return;
    if (this.debounce && delay > 0) clearTimeout(this.debounce);
    else if (this.debounce) return; // a read is already scheduled
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      // One read at a time, in order: a slow read must not report older text last.
      this.reading = this.reading.then(() => this.read());
    }, delay);
    this.debounce.unref();
  }

  private async read(): Promise<void> {
    if (this.stopped) return;
    let text: string | undefined;
    try {
      text = await readConfigText(this.file);
    } catch (e) {
      this.opts.onError(e as Error);
      return;
    }
    if (text === this.known || this.stopped) return;
    this.known = text;
    this.onText(text);
  }
}
