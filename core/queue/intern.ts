/**
 * intern: one shared copy of values that repeat across many recipients.
 *
 * Owns: bounded intern tables for strings (senders, domains, addresses) and
 * for serialized errors (every recipient deferred because the Exchange host
 * is down carries the same error). With 100,000 recipients queued, separate
 * copies cost tens of megabytes (bench/: heap snapshot, about 150 bytes per
 * recipient for the error alone).
 * Does not own: the values' meaning. Interned values are shared, so they are
 * never mutated in place (the queue replaces a recipient's error, it does
 * not edit it).
 * Raises: nothing. A table that reaches its bound is cleared: values already
 * handed out stay valid, only later ones are not shared with them.
 */
import type { SerializedRelayError } from '../errors/relay-error.js';

export class Interner<T> {
  private readonly table = new Map<string, T>();

  constructor(private readonly max = 10_000) {}

  intern(key: string, value: T): T {
    const had = this.table.get(key);
    if (had !== undefined) return had;
    if (this.table.size >= this.max) this.table.clear();
    this.table.set(key, value);
    return value;
  }
}

const strings = new Interner<string>();
const errors = new Interner<SerializedRelayError>(1_000);

export function internString(s: string): string {
  // Long strings rarely repeat and would make the table itself the cost.
  return s.length > 320 ? s : strings.intern(s, s);
}

export function internError(e: SerializedRelayError): SerializedRelayError;
export function internError(e: SerializedRelayError | undefined): SerializedRelayError | undefined;
export function internError(e: SerializedRelayError | undefined): SerializedRelayError | undefined {
  if (!e) return e;
  const key = `${e.code}\u0000${e.smtpCode ?? ''}\u0000${e.enhanced ?? ''}\u0000${e.temporary ? 1 : 0}\u0000${e.message}\u0000${e.response ?? ''}`;
  return errors.intern(key, e);
}
