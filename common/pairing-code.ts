/**
 * pairing-code: the one-line connection code `relaywatch pair` prints and a
 * watching client takes: `rw1:` + base64url(JSON {url, token, fingerprint256}).
 * Versioned by its prefix; JSON so a later version can add fields. Pure (no
 * Node APIs): the desktop window may read one too.
 */

export const PAIRING_PREFIX = 'rw1:';

export interface PairingCode {
  /** The control API, https://host:port/ */
  url: string;
  /** A paired bearer token (rwt.<id>.<secret>). */
  token: string;
  /** SHA-256 of the relay's certificate, "AB:CD:…": the client trusts exactly this one. */
  fingerprint256: string;
}

const toBase64Url = (text: string): string => {
  let bin = '';
  for (const b of new TextEncoder().encode(text)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const fromBase64Url = (b64: string): string => {
  const bin = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
};

export function encodePairingCode(c: PairingCode): string {
  return `${PAIRING_PREFIX}${toBase64Url(JSON.stringify({ url: c.url, token: c.token, fingerprint256: c.fingerprint256 }))}`;
}

/** The code's parts, or an Error saying in words what is wrong with it (never echoing the token). */
export function decodePairingCode(code: string): PairingCode | Error {
  const text = code.trim();
  if (!text.startsWith(PAIRING_PREFIX)) return new Error(`not a Relaywatch connection code (it starts with "${PAIRING_PREFIX}")`);
  const body = text.slice(PAIRING_PREFIX.length);
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(body)) return new Error('the connection code is damaged (copy the whole line)');
  let v: unknown;
  try {
    v = JSON.parse(fromBase64Url(body));
  } catch {
    return new Error('the connection code is damaged (copy the whole line)');
  }
  const o = v as Partial<Record<keyof PairingCode, unknown>> | null;
  if (typeof o?.url !== 'string' || typeof o.token !== 'string' || typeof o.fingerprint256 !== 'string') return new Error('the connection code lacks its address, token or fingerprint');
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    return new Error('the connection code holds no valid address');
  }
  if (url.protocol !== 'https:') return new Error('the connection code is for a relay without TLS; only https:// relays can be watched');
  if (!/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(o.fingerprint256)) return new Error('the connection code holds no valid certificate fingerprint');
  if (!/^[A-Za-z0-9._-]{20,200}$/.test(o.token)) return new Error('the connection code holds no valid token');
  return { url: url.href, token: o.token, fingerprint256: o.fingerprint256 };
}
