/**
 * token: where the browser dashboard gets its control token.
 *
 * Owns: taking `#token=...` from the URL fragment (the relay prints the
 * dashboard URL with it; a fragment is never sent to a server, so it does not
 * land in any log), keeping it in sessionStorage for reloads of this tab only,
 * and clearing it from the address bar so it is not bookmarked or shared by
 * accident.
 * Does not own: how the token is sent (http-client.ts).
 * Raises: nothing; a missing token is `undefined`.
 */

const KEY = 'relaywatch.token';

export interface TokenEnv {
  location: { hash: string; pathname: string; search: string };
  history: { replaceState(data: unknown, unused: string, url?: string): void };
  storage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
}

/** Parses `#token=abc&view=queue` style fragments (also `#/queue?token=abc`). */
export function tokenFromHash(hash: string): string | undefined {
  const m = /(?:^#|[&?/])token=([^&]+)/.exec(hash);
  if (!m?.[1]) return undefined;
  try {
    const t = decodeURIComponent(m[1]);
    return t.length > 0 ? t : undefined;
  } catch {
    // A malformed %-escape: use the raw text rather than failing to start.
    return m[1];
  }
}

/** The fragment with the token removed (other parts, such as a view, are kept). */
export function hashWithoutToken(hash: string): string {
  const rest = hash
    .replace(/^#/, '')
    .split('&')
    .filter((p) => p !== '' && !p.startsWith('token='))
    .join('&');
  return rest ? `#${rest}` : '';
}

export function takeToken(env: TokenEnv): string | undefined {
  const fromHash = tokenFromHash(env.location.hash);
  if (fromHash !== undefined) {
    env.storage.setItem(KEY, fromHash);
    const { pathname, search } = env.location;
    env.history.replaceState(null, '', `${pathname}${search}${hashWithoutToken(env.location.hash)}`);
    return fromHash;
  }
  return env.storage.getItem(KEY) ?? undefined;
}
