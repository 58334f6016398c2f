/**
 * toasts: short messages after an action ("Bounced 1 recipient", or what went wrong), and
 * their expiry; shown and announced by components/Toasts.svelte.
 */

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

export class ToastsStore {
  items = $state<Toast[]>([]);
  private next = 1;

  constructor(private readonly ttlMs = 6000) {}

  show(text: string, kind: Toast['kind'] = 'info'): void {
    const id = this.next++;
    this.items.push({ id, kind, text });
    // Errors stay until dismissed: they may need reading twice.
    if (kind === 'info') setTimeout(() => this.dismiss(id), this.ttlMs);
  }

  dismiss(id: number): void {
    const i = this.items.findIndex((t) => t.id === id);
    if (i >= 0) this.items.splice(i, 1);
  }
}
