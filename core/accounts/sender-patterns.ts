/**
 * sender-patterns: an account's `--from` patterns, which restrict the MAIL
 * FROM it may use: an exact address, or `*` standing for any run of
 * characters (`*@corp.example`, `scan-*@corp.example`). Case-insensitive.
 */

const PATTERN = /^[^\s<>()\\,;:"]+$/;

/** undefined when `pattern` is usable, else why not. */
export function patternProblem(pattern: string): string | undefined {
  if (!PATTERN.test(pattern)) return `"${pattern}" is not an address pattern (e.g. *@corp.example or scanner@corp.example)`;
  if (!pattern.includes('@')) return `"${pattern}" has no @ (e.g. *@corp.example)`;
  if (pattern.length > 320) return 'a pattern may have at most 320 characters';
  return undefined;
}

/** Whether `sender` matches one of `patterns`; no patterns: any sender. */
export function senderAllowed(sender: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  const s = sender.toLowerCase();
  return patterns.some((p) => globToRegExp(p.toLowerCase()).test(s));
}

function globToRegExp(p: string): RegExp {
  const body = p.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}
