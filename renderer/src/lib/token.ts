/**
 * token: where the browser dashboard gets its control token: `#token=…` from the URL fragment,
 * kept in sessionStorage for reloads of this tab only, then cleared from the address bar.
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
    // A fragment never reaches a server (so no log holds the token); clearing it from the
    // address bar keeps it out of bookmarks and links shared by accident.
    env.history.replaceState(null, '', `${pathname}${search}${hashWithoutToken(env.location.hash)}`);
    return fromHash;
  }
  return env.storage.getItem(KEY) ?? undefined;
}
