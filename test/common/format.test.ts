/** Durations and sizes, printed alike by the CLI and the dashboard. */
import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, waitingForHost } from '../../common/format.js';

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [0.4, '0s'],
    [45, '45s'],
    [59.9, '59s'],
    [60, '1m'],
    [200, '3m 20s'],
    [3600, '1h'],
    [3601, '1h'],
    [3609, '1h'],
    [3725, '1h 2m'],
    [7500, '2h 5m'],
    [86_400, '1d'],
    [90_061, '1d 1h'],
    [259_200, '3d'],
  ])('%s s → %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });

  it('treats negative and non-finite values safely', () => {
    expect(formatDuration(-5)).toBe('0s');
    expect(formatDuration(Number.NaN)).toBe('—');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('—');
  });
});

describe('formatBytes', () => {
  it('uses IEC units for powers of 1024, one decimal below 10', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(12_800)).toBe('13 KiB');
    expect(formatBytes(1_572_864)).toBe('1.5 MiB');
    expect(formatBytes(26_214_400)).toBe('25 MiB');
    expect(formatBytes(5 * 1024 ** 4)).toBe('5.0 TiB');
  });

  it('shows no number for what is not a size', () => {
    expect(formatBytes(-1)).toBe('—');
    expect(formatBytes(Number.NaN)).toBe('—');
  });
});

describe('waitingForHost', () => {
  it('says what a Down host\'s mail waits for, by name, instead of a countdown', () => {
    const h = { host: '10.1.1.5:25', name: 'Exchange', probeEverySeconds: 5, lastProbeAt: 10_000 };
    expect(waitingForHost(h, 12_000)).toBe('waiting for Exchange (checked every 5s, last check 2s ago)');
    expect(waitingForHost({ ...h, name: null, lastProbeAt: null }, 12_000)).toBe('waiting for 10.1.1.5:25 (checked every 5s)');
  });
});
