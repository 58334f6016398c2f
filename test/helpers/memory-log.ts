/**
 * memory-log: the MailLog fake. Keeps `<Level>: <text>` lines in memory (no
 * timestamps, no file) so tests can read what the relay would have logged,
 * filter it, and await a line still to come.
 */
import { EventEmitter } from 'node:events';
import type { LogLevel, MailLog } from '../../core/log/log-types.js';

export class MemoryLog implements MailLog {
  readonly lines: string[] = [];
  readonly file = '(memory)';
  private readonly events = new EventEmitter();
  write(level: LogLevel, text: string): void {
    const line = `${level}: ${text}`;
    this.lines.push(line);
    this.events.emit('line', line);
  }
  info(text: string): void {
    this.write('Info', text);
  }
  warn(text: string): void {
    this.write('Warning', text);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  /** Lines containing `part` (a string) or matching it (a RegExp). */
  grep(part: string | RegExp): string[] {
    return this.lines.filter((l) => (typeof part === 'string' ? l.includes(part) : part.test(l)));
  }
  /** Resolves with the first line (already written or still to come) matching `re`. */
  waitFor(re: RegExp, timeoutMs = 3000): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('line', onLine);
        reject(new Error(`no log line matching ${re} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onLine = (line: string): void => {
        if (!re.test(line)) return;
        clearTimeout(timer);
        this.events.off('line', onLine);
        resolve(line);
      };
      this.events.on('line', onLine);
    });
  }
}
