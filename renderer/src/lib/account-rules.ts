/**
 * account-rules: the window's own check of a device account and a certificate
 * path before asking the relay, with the relay's wording (core/accounts,
 * core/control/arg-schemas.ts), so most mistakes show beside their field at once.
 * The relay checks again: it is the authority.
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;

export function accountProblems(a: { name?: string; password?: string; from?: string[] }): Record<string, string> {
  const out: Record<string, string> = {};
  if (a.name !== undefined && !NAME.test(a.name)) out.name = 'must be 1–64 letters, digits or . _ @ + - (starting with a letter or digit)';
  if (a.password !== undefined) {
    if (a.password.length < 8) out.password = 'must have at least 8 characters';
    else if (a.password.length > 1024) out.password = 'may have at most 1024 characters';
  }
  const bad = a.from?.find((p) => !/^[^\s<>()\\,;:"]+$/.test(p) || !p.includes('@'));
  if (bad !== undefined) out.from = `"${bad}" is not an address pattern (e.g. *@corp.example or scanner@corp.example)`;
  return out;
}

/** Patterns typed one per line or separated by commas/spaces. */
export function splitPatterns(text: string): string[] {
  return text.split(/[\s,;]+/).filter((p) => p !== '');
}

/** The relay reads the file itself: it needs the full path (Windows or POSIX). */
export function pemPathProblem(path: string): string | null {
  const p = path.trim();
  if (p === '') return 'must name a PEM file';
  if (!/^(?:[A-Za-z]:[\\/]|\\\\|\/)/.test(p)) return 'must be the full path of a PEM file (e.g. C:\\certs\\relay.pem or /etc/ssl/relay.pem)';
  return null;
}
