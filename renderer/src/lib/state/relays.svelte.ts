/**
 * relays: the desktop app's watched relays as the window sees them (the
 * switcher and the "Watch a relay…" dialog), over the preload's relay-list
 * methods. Absent in the plain browser dashboard, which watches the relay serving it.
 */
import { formatClock } from '../format.js';

/** One watched relay, as electron/relay-set.ts's RelayInfo sends it (never a token). */
export interface RelayEntry {
  id: string;
  name: string;
  kind: 'local' | 'remote' | 'service';
  state:
    | { kind: 'connecting' | 'connected' }
    | { kind: 'unreachable'; since: number; reason: string }
    | { kind: 'revoked' | 'refused'; reason: string };
  selected: boolean;
  persisted: boolean;
  /** Paired read-only (absent from an older shell: not read-only). */
  readOnly?: boolean;
}

/** The preload's relay-list methods (electron/preload.cts). */
export interface RelaysBridge {
  relaysList(): Promise<RelayEntry[]>;
  relaysWatch(code: string, name?: string): Promise<RelayEntry>;
  relaysUnwatch(id: string): Promise<true>;
  relaysSelect(id: string): Promise<true>;
  onRelaysChanged(cb: (list: RelayEntry[]) => void): () => void;
}

export function relaysBridge(w: unknown): RelaysBridge | undefined {
  const b = (w as { relaywatch?: Partial<RelaysBridge> } | undefined)?.relaywatch;
  return b && typeof b.relaysList === 'function' && typeof b.onRelaysChanged === 'function' ? (b as RelaysBridge) : undefined;
}

/** What the switcher says of a relay whose link is not up; undefined when it is. */
export function linkWords(r: RelayEntry, timeOf: (ms: number) => string = (ms) => formatClock(ms, Date.now())): string | undefined {
  switch (r.state.kind) {
    case 'connected':
      return undefined;
    case 'connecting':
      return 'connecting…';
    case 'unreachable':
      return `unreachable since ${timeOf(r.state.since)}`;
    case 'revoked':
      return 'access revoked, pair again';
    case 'refused':
      return r.state.reason;
  }
}

const errorWords = (e: unknown): string => (e as { error?: { message?: string } })?.error?.message ?? (e instanceof Error ? e.message : String(e));

export class RelaysState {
  list = $state<RelayEntry[]>([]);
  readonly selected = $derived(this.list.find((r) => r.selected));
  private readonly off: () => void;

  constructor(
    private readonly bridge: RelaysBridge,
    /** After a switch the window starts over on the other relay (its stores hold the old one's data). */
    private readonly reload: () => void,
  ) {
    this.off = bridge.onRelaysChanged((l) => (this.list = l));
    void bridge.relaysList().then((l) => (this.list = l), () => undefined);
  }

  async select(id: string): Promise<void> {
    if (this.selected?.id === id) return;
    await this.bridge.relaysSelect(id);
    this.reload();
  }

  /** Watches a relay from a connection code; the error in words, or undefined when it worked. */
  async watch(code: string, name: string): Promise<string | undefined> {
    try {
      const r = await this.bridge.relaysWatch(code.trim(), name.trim() || undefined);
      await this.select(r.id);
      return undefined;
    } catch (e) {
      return errorWords(e);
    }
  }

  async unwatch(id: string): Promise<string | undefined> {
    try {
      const wasSelected = this.selected?.id === id;
      await this.bridge.relaysUnwatch(id);
      if (wasSelected) this.reload();
      return undefined;
    } catch (e) {
      return errorWords(e);
    }
  }

  dispose(): void {
    this.off();
  }
}
