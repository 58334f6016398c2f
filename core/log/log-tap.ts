/**
 * log-tap: a MailLog that also hands every line, in coalesced batches, to a
 * sink — the composition root's feed for live views (SSE `log` events).
 *
 * Owns: batching (one hand-off per 250 ms at most) and the cap on what a slow
 * view can hold up (the newest ~500 lines; trimmed in bulk, not per line).
 * Does not own: the file (log/mail-log.ts) or the wording (log/log-lines.ts).
 * Raises: nothing.
 */
import type { LogLevel, MailLog } from './log-types.js';

/** Forwards every log line to `sink` in coalesced batches (for live views). */
export function tapLog(log: MailLog, sink: (lines: string[]) => void): MailLog {
  let batch: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  const push = (level: LogLevel, text: string): void => {
    batch.push(`${new Date().toISOString()} ${level}: ${text}`);
    // Live views need the recent lines, not all of them: keep the newest ~500
    // (trimmed in bulk, not once per line).
    if (batch.length > 1000) batch = batch.slice(-500);
    timer ??= setTimeout(() => {
      timer = undefined;
      const out = batch;
      batch = [];
      sink(out);
    }, 250).unref();
  };
  return {
    get file() {
      return log.file;
    },
    write(level, text) {
      log.write(level, text);
      push(level, text);
    },
    info(text) {
      this.write('Info', text);
    },
    warn(text) {
      this.write('Warning', text);
    },
    flush: () => log.flush(),
    close: () => log.close(),
  };
}

