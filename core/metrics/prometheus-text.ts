/**
 * prometheus-text: writes metric families in the Prometheus text exposition
 * format 0.0.4 (HELP, TYPE, one sample a line, label values escaped, histogram
 * buckets cumulative with `le="+Inf"`, `_sum` and `_count`). Pure: no facts.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: Exclude<MetricType, 'histogram'>;
  samples: Sample[];
}

export interface HistogramFamily {
  name: string;
  help: string;
  type: 'histogram';
  /** Upper bounds, ascending; +Inf is added. */
  bounds: readonly number[];
  /** Observations per bucket (not cumulative), one more than bounds: the last is above every bound. */
  counts: readonly number[];
  sum: number;
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// Label values: backslash, double quote and line feed are escaped (exposition format spec).
const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
// HELP text: backslash and line feed.
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}` : '';
}

export function exposition(families: readonly (Family | HistogramFamily)[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type === 'histogram') {
      let cumulative = 0;
      f.bounds.forEach((b, i) => {
        cumulative += f.counts[i] ?? 0;
        out.push(`${f.name}_bucket{le="${num(b)}"} ${cumulative}`);
      });
      cumulative += f.counts[f.bounds.length] ?? 0;
      out.push(`${f.name}_bucket{le="+Inf"} ${cumulative}`, `${f.name}_sum ${num(f.sum)}`, `${f.name}_count ${cumulative}`);
    } else {
      for (const s of f.samples) out.push(`${f.name}${labelText(s.labels)} ${num(s.value)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
