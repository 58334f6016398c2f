/**
 * log: the mail log, live, for the Log view: the recent lines (tail, then `log` events,
 * capped), the search text, and the MID filter that tells one message's story top to bottom.
 */
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
  loading = $state(false);
  error = $state<string | null>(null);
  private generation = 0;

  constructor(private readonly client: RelayClient) {}

  /** Lines to show: the MID's story or the tail, narrowed by the search. */
  get visible(): string[] {
    const search = this.search;
    return search.trim() === '' ? this.lines : this.lines.filter((l) => matchesSearch(l, search));
  }

  async load(): Promise<void> {
    const gen = ++this.generation;
    const mid = this.mid;
    this.loading = true;
    try {
      const r = await this.client.logTail(mid === null ? { lines: 1000 } : { mid, lines: LOG_CAP });
      if (gen !== this.generation) return;
      this.lines = r.lines.slice(-LOG_CAP);
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

  append(lines: string[]): void {
    const mid = this.mid;
    const add = mid === null ? lines : lines.filter((l) => mentionsMid(l, mid));
    if (add.length === 0) return;
    const next = this.lines.concat(add);
    this.lines = next.length > LOG_CAP ? next.slice(next.length - LOG_CAP) : next;
  }
}
