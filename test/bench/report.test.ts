import { describe, expect, it } from 'vitest';
import { formatFigure, met, ratio, type Figure } from '../../bench/report.js';

const rate = (relaywatch: number | undefined, postfix: number | undefined, min = 1.5): Figure => ({
  name: 'end-to-end/s',
  unit: 'msg/s',
  better: 'higher',
  relaywatch,
  postfix,
  target: { kind: 'ratio', min },
});

describe('report', () => {
  it('gives the ratio as how many times better Relaywatch is, whichever direction is better', () => {
    expect(ratio(rate(900, 600))).toBeCloseTo(1.5);
    expect(ratio({ name: 'retry-all', unit: 's', better: 'lower', relaywatch: 2, postfix: 4 })).toBeCloseTo(2);
    expect(ratio({ name: 'memory', unit: 'MB', better: 'lower', relaywatch: 200, postfix: 100 })).toBeCloseTo(0.5);
  });

  it('has no ratio when a side is missing or zero', () => {
    expect(ratio(rate(undefined, 600))).toBeUndefined();
    expect(ratio(rate(900, 0))).toBeUndefined();
  });

  it('judges ratio targets inclusively and absolute targets strictly', () => {
    expect(met(rate(900, 600))).toBe(true);
    expect(met(rate(899, 600))).toBe(false);
    const mem = (v: number): Figure => ({ name: 'memory', unit: 'MB', better: 'lower', relaywatch: v, postfix: 110, target: { kind: 'below', value: 100 } });
    expect(met(mem(99.9))).toBe(true);
    expect(met(mem(100))).toBe(false);
    expect(met(rate(undefined, 600))).toBeUndefined();
    expect(met({ name: 'x', unit: 'ms', better: 'lower', relaywatch: 1, postfix: 2 })).toBeUndefined();
  });

  it('judges at-most targets inclusively and prints them with ≤ (issue 16: memory ≤ 80 MB)', () => {
    const mem = (v: number): Figure => ({ name: 'memory with 10000 queued', unit: 'MB', better: 'lower', relaywatch: v, postfix: 104, target: { kind: 'atMost', value: 80 } });
    expect(met(mem(80))).toBe(true);
    expect(met(mem(80.1))).toBe(false);
    expect(formatFigure(mem(94))).toMatch(/^memory with 10000 queued\s+94\.0 MB\s+104 MB\s+1\.11×\s+≤80 MB\s+NO$/);
  });

  it('prints name, both values, ratio, target and verdict on one line', () => {
    const line = formatFigure(rate(183, 573));
    expect(line).not.toContain('\n');
    expect(line).toMatch(/^end-to-end\/s\s+183 msg\/s\s+573 msg\/s\s+0\.32×\s+≥1\.5×\s+NO$/);
    expect(formatFigure(rate(undefined, 573))).toMatch(/—\s+573 msg\/s\s+—\s+≥1\.5×\s+\?$/);
  });
});
