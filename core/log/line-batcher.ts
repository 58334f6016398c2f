/**
 * line-batcher: hands mail-log lines to live views (the SSE `log` event) in
 * batches, one hand-off per `intervalMs` at most, keeping only the newest `keep`
 * lines of a burst (trimmed in bulk, not per line).
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
