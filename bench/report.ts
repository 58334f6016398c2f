/**
 * report: the benchmark's figures, their targets as data, and the printed line
 * `name  relaywatch  postfix  ratio  target  met?`. The ratio is always "times
 * better for Relaywatch" (> 1 means Relaywatch wins), whichever way a figure points.
 */

/** ratio: Relaywatch at least `min` times better; below: strictly under; atMost: ≤ (issue 16's memory targets). */
export type Target = { kind: 'ratio'; min: number } | { kind: 'below'; value: number } | { kind: 'atMost'; value: number };

export interface Figure {
  name: string;
  unit: string;
  better: 'higher' | 'lower';
  relaywatch: number | undefined;
  postfix: number | undefined;
  target?: Target | undefined;
  /** Free text shown after the line (e.g. what was measured). */
  note?: string | undefined;
}

/** Relaywatch's advantage: > 1 means Relaywatch is better. */
export function ratio(f: Figure): number | undefined {
  const { relaywatch: rw, postfix: pf } = f;
  if (rw === undefined || pf === undefined || rw <= 0 || pf <= 0) return undefined;
  return f.better === 'higher' ? rw / pf : pf / rw;
}

export function met(f: Figure): boolean | undefined {
  if (!f.target) return undefined;
  if (f.target.kind === 'ratio') {
    const r = ratio(f);
    return r === undefined ? undefined : r >= f.target.min;
  }
  if (f.relaywatch === undefined) return undefined;
  return f.target.kind === 'below' ? f.relaywatch < f.target.value : f.relaywatch <= f.target.value;
}

function num(v: number | undefined, unit: string): string {
  if (v === undefined || Number.isNaN(v)) return '—';
  const digits = Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${unit}`;
}

function targetText(f: Figure): string {
  if (!f.target) return '';
  if (f.target.kind === 'ratio') return `≥${f.target.min}×`;
  return `${f.target.kind === 'below' ? '<' : '≤'}${f.target.value} ${f.unit}`;
}

const COLUMNS = ['figure', 'relaywatch', 'postfix', 'ratio', 'target', 'met?'] as const;
const WIDTHS = [40, 14, 14, 8, 10, 5];

function row(cells: string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(WIDTHS[i]!) : c.padStart(WIDTHS[i]!))).join('  ');
}

export function header(): string {
  return row([...COLUMNS]);
}

/** One line per figure. */
export function formatFigure(f: Figure): string {
  const r = ratio(f);
  const m = met(f);
  const line = row([
    f.name,
    num(f.relaywatch, f.unit),
    num(f.postfix, f.unit),
    r === undefined ? '—' : `${r.toFixed(2)}×`,
    targetText(f),
    m === undefined ? (f.target ? '?' : '') : m ? 'yes' : 'NO',
  ]);
  return f.note ? `${line}  (${f.note})` : line;
}

export function formatTable(figures: Figure[]): string {
  return [header(), ...figures.map(formatFigure)].join('\n');
}
