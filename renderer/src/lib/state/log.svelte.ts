/**
 * log: the mail log, live, for the Log view: the recent lines (tail, then `log` events,
 * capped), the search text, the MID filter that tells one message's story top to bottom,
 * and the user filter (one SMTP AUTH account's sessions and messages).
 */
import { UserLineFilter } from '../../../../common/log-user-filter.js';
import { asControlError, type RelayClient } from '../relay-client.js';

export const LOG_CAP = 5000;

/** true when the line names MID `mid` (ESA lines say "MID 123"; an NDR line names two). */
export function mentionsMid(line: string, mid: number): boolean {
  for (const m of line.matchAll(/\bMID (\d+)\b/g)) if (Number(m[1]) === mid) return true;
  return false;
}

export function matchesSearch(line: string, search: string): boolean {
  const s = search.trim().toLowerCase();
  return s === '' || line.toLowerCase().includes(s);
}

export class LogStore {
  lines = $state.raw<string[]>([]);
  search = $state('');
  mid = $state<number | null>(null);
  /** An account name: only its sessions, messages and failed logins. */
  user = $state<string | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  private generation = 0;
  /** Follows the user's new sessions and messages in live lines (null: no user filter). */
  private byUser: UserLineFilter | null = null;

  constructor(private readonly client: RelayClient) {}

  /** Lines to show: the MID's story or the tail, narrowed by the search. */
  get visible(): string[] {
    const search = this.search;
    return search.trim() === '' ? this.lines : this.lines.filter((l) => matchesSearch(l, search));
  }

  async load(): Promise<void> {
    const gen = ++this.generation;
    const mid = this.mid;
    const user = this.user;
    this.loading = true;
    try {
      const r = await this.client.logTail({ ...(mid === null ? { lines: 1000 } : { mid, lines: LOG_CAP }), ...(user === null ? {} : { user }) });
      if (gen !== this.generation) return;
      this.lines = r.lines.slice(-LOG_CAP);
      // The relay's tail knows the user's older logins; live lines go on from its ids.
      const byUser = user === null ? null : new UserLineFilter(user);
      if (byUser) for (const l of r.lines) byUser.seed(l);
      this.byUser = byUser;
      this.error = null;
    } catch (e) {
      if (gen === this.generation) this.error = asControlError(e).message;
    } finally {
      if (gen === this.generation) this.loading = false;
    }
  }

  setMid(mid: number | null): Promise<void> {
    this.mid = mid;
    return this.load();
  }

  setFilter(mid: number | null, user: string | null): Promise<void> {
    this.mid = mid;
    this.user = user;
    this.byUser = null; // until the new tail seeds it: lines meanwhile are replaced by that tail
    return this.load();
  }

  append(lines: string[]): void {
    const mid = this.mid;
    const byUser = this.user === null ? null : this.byUser;
    if (this.user !== null && byUser === null) return; // the tail for this user is on its way
    // Every line teaches the user filter (a login, a new MID), shown or not.
    const add = lines.filter((l) => (byUser === null || byUser.test(l)) && (mid === null || mentionsMid(l, mid)));
    if (add.length === 0) return;
    const next = this.lines.concat(add);
    this.lines = next.length > LOG_CAP ? next.slice(next.length - LOG_CAP) : next;
  }
}
