import { describe, expect, it } from 'vitest';
import { hashWithoutToken, takeToken, tokenFromHash, type TokenEnv } from '../../../renderer/src/lib/token.js';

function env(hash: string, stored: string | null = null): TokenEnv & { urls: string[]; store: Map<string, string> } {
  const store = new Map<string, string>();
  if (stored !== null) store.set('relaywatch.token', stored);
  const urls: string[] = [];
  return {
    location: { hash, pathname: '/', search: '' },
    history: { replaceState: (_d, _u, url) => urls.push(url ?? '') },
    storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) },
    urls,
    store,
  };
}

describe('token from the URL fragment', () => {
  it('parses the token in the forms the relay and the desktop app produce', () => {
    expect(tokenFromHash('#token=abc_DEF-123')).toBe('abc_DEF-123');
    expect(tokenFromHash('#/queue?token=abc')).toBe('abc');
    expect(tokenFromHash('#view=hosts&token=a%2Bb')).toBe('a+b');
    expect(tokenFromHash('#/queue')).toBeUndefined();
    expect(tokenFromHash('#token=')).toBeUndefined();
  });

  it('stores it for this tab and clears it from the address bar', () => {
    const e = env('#token=s3cret');
    expect(takeToken(e)).toBe('s3cret');
    expect(e.store.get('relaywatch.token')).toBe('s3cret');
    expect(e.urls).toEqual(['/']);
  });

  it('keeps the other parts of the fragment', () => {
    expect(hashWithoutToken('#token=x&view=queue')).toBe('#view=queue');
    expect(hashWithoutToken('#token=x')).toBe('');
  });

  it('uses the stored token after a reload, and nothing without one', () => {
    const reloaded = env('', 'kept');
    expect(takeToken(reloaded)).toBe('kept');
    expect(reloaded.urls).toEqual([]);
    expect(takeToken(env(''))).toBeUndefined();
  });
});
