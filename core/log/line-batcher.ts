/**
 * line-batcher: hands mail-log lines to a live view in coalesced batches
 * (the SSE `log` event), never one hand-off per line under load.
 *
 * Owns: batching (one hand-off per `intervalMs` at most) and the cap on what
 * a burst can queue for the views (the newest `keep` lines; trimmed in bulk,
 * not once per line). Does not own: formatting (mail-log.ts formats each line
 * once, for the file and for this) or the wording (log-lines.ts).
 * Raises: nothing.
 */
export function lineBatcher(
  sink: (lines: string[]) => void,
  opts: { intervalMs?: number; keep?: number } = {},
): (line: string) => void {
  const intervalMs = opts.intervalMs ?? 250;
  const keep = opts.keep ?? 500;
  let batch: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  return (line) => {
    batch.push(line);
    if (batch.length > keep * 2) batch = batch.slice(-keep);
    timer ??= setTimeout(() => {
      timer = undefined;
      const out = batch.length > keep ? batch.slice(-keep) : batch;
      batch = [];
      sink(out);
    }, intervalMs).unref();
  };
}
