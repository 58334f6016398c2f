import { describe, expect, it } from 'vitest';
import { formatHash, parseHash } from '../../../renderer/src/lib/router.svelte.js';

describe('router fragments', () => {
  it('parses a view and its parameters', () => {
    expect(parseHash('#/hosts?host=10.1.1.5%3A25')).toEqual({ view: 'hosts', params: { host: '10.1.1.5:25' } });
    expect(parseHash('#/log?mid=42')).toEqual({ view: 'log', params: { mid: '42' } });
  });

  it('falls back to the overview and never keeps a token as a parameter', () => {
    expect(parseHash('')).toEqual({ view: 'overview', params: {} });
    expect(parseHash('#/nowhere')).toEqual({ view: 'overview', params: {} });
    expect(parseHash('#/queue?token=x&host=a%3A25')).toEqual({ view: 'queue', params: { host: 'a:25' } });
  });

  it('writes what it parses', () => {
    const r = { view: 'queue' as const, params: { host: '127.0.0.1:2526' } };
    expect(parseHash(formatHash(r))).toEqual(r);
    expect(formatHash({ view: 'log', params: { mid: '' } })).toBe('#/log');
  });
});
