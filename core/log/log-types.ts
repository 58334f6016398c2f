/**
 * log-types: the mail log's contract: every line is `<ISO time> <Level>:
 * <text>`, the text built by log-lines.ts.
 */
export type LogLevel = 'Info' | 'Warning' | 'Critical' | 'Debug';

export interface MailLog {
  write(level: LogLevel, text: string): void;
  info(text: string): void;
  warn(text: string): void;
  /** Flushes buffered lines to disk. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Path of the current log file. */
  readonly file: string;
}
