/**
 * memory-sampler: memory "at rest" as the median of samples taken over a window
 * (30 s in a full run), so a figure does not hang on when V8 last collected;
 * the same samples give the peak of a phase (max). Pure statistics + one loop.
 */

/** Median of `values` (mean of the two middle ones for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface SampleSummary {
  median: number;
  min: number;
  max: number;
  samples: number;
}

export function summarize(values: readonly number[]): SampleSummary {
  return {
    median: median(values),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
    samples: values.length,
  };
}

/**
 * Calls `read` every `intervalMs` until `durationMs` has passed (at least one
 * sample, the first at once) or `stop` aborts, and summarizes what it returned.
 */
export async function sampleOver(
  read: () => Promise<number>,
  o: { durationMs: number; intervalMs: number; stop?: AbortSignal },
): Promise<SampleSummary> {
  const values: number[] = [];
  const end = performance.now() + o.durationMs;
  for (;;) {
    values.push(await read());
    if (o.stop?.aborted || performance.now() + o.intervalMs > end) break;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, o.intervalMs);
      function done(): void {
        clearTimeout(t);
        o.stop?.removeEventListener('abort', done);
        resolve();
      }
      o.stop?.addEventListener('abort', done, { once: true });
    });
    if (o.stop?.aborted) break;
  }
  return summarize(values);
}
