/**
 * log-types: the mail log's contract.
 *
 * Every line is `<ISO time> <Level>: <text>`; the text uses ESA's identifiers
 * (ICID, MID, RID, DCID). The functions that build the text of each event live
 * in log/log-lines.ts so the wording is in one place and golden-tested.
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
