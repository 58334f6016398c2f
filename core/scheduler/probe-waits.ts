/**
 * probe-waits: recipients of an operator's retry that wait for a probe of
 * their Down hosts (a retry on a Down host probes it at once; its recipients
 * are delivered if the probe succeeds, and counted deferred with the
 * host-down reason only once every probe they wait for has failed).
 * Owns: which waits hang on which host; no timers (the prober has them).
 */
export interface ProbeWait {
  /** Hosts whose probe has not answered yet. */
  readonly hosts: Set<string>;
}

export class ProbeWaits<W extends ProbeWait> {
  private readonly byHost = new Map<string, Set<W>>();

  add(wait: W): void {
    for (const key of wait.hosts) {
      let s = this.byHost.get(key);
      if (!s) this.byHost.set(key, (s = new Set()));
      s.add(wait);
    }
  }

  /** A host came up: every wait on it goes now (and stops waiting on its other hosts). */
  up(key: string): W[] {
    const out = [...(this.byHost.get(key) ?? [])];
    for (const w of out) this.remove(w);
    return out;
  }

  /** A probe failed: the waits that have no other probe left to hear from. */
  failed(key: string): W[] {
    const out: W[] = [];
    for (const w of [...(this.byHost.get(key) ?? [])]) {
      w.hosts.delete(key);
      this.byHost.get(key)?.delete(w);
      if (w.hosts.size === 0) out.push(w);
    }
    if (this.byHost.get(key)?.size === 0) this.byHost.delete(key);
    return out;
  }

  /** Every wait, removed (shutdown). */
  drain(): W[] {
    const out = new Set<W>();
    for (const s of this.byHost.values()) for (const w of s) out.add(w);
    this.byHost.clear();
    return [...out];
  }

  private remove(w: W): void {
    for (const key of w.hosts) {
      const s = this.byHost.get(key);
      s?.delete(w);
      if (s?.size === 0) this.byHost.delete(key);
    }
  }
}
