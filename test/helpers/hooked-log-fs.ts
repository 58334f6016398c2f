/**
 * hooked-log-fs: the mail log's file operations on the real fs, with writes
 * counted and failures switchable (ENOSPC, partial writes), and the shape of
 * a log line, for the core/log tests.
 */
import * as fsp from 'node:fs/promises';
import type { LogFileHandle, MailLogFs } from '../../core/log/mail-log.js';

export interface TestFs extends MailLogFs {
  writes: number;
  /** While set, writes fail with this errno code (after writing `partialBytes` of the first). */
  failWith: string | undefined;
  partialBytes: number;
}

/** The real fs, with write calls counted and failures switchable. */
export function testFs(): TestFs {
  const t: TestFs = {
    writes: 0,
    failWith: undefined,
    partialBytes: 0,
    async open(file, flags, mode) {
      const h = await fsp.open(file, flags, mode);
      const handle: LogFileHandle = {
        write: async (buf, offset, length) => {
          t.writes++;
          if (t.failWith) {
            if (t.partialBytes > 0) {
              const n = Math.min(t.partialBytes, length);
              t.partialBytes = 0;
              return h.write(buf, offset, n);
            }
            throw Object.assign(new Error(`${t.failWith}: simulated`), { code: t.failWith });
          }
          return h.write(buf, offset, length);
        },
        stat: () => h.stat(),
        close: () => h.close(),
      };
      return handle;
    },
    rename: (a, b) => fsp.rename(a, b),
    unlink: (f) => fsp.unlink(f),
    mkdir: (d, o) => fsp.mkdir(d, o),
  };
  return t;
}

export const LINE_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (Info|Warning|Critical|Debug): [^\r\n]*$/;
