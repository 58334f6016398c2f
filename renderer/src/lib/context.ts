/**
 * context: typed access to the page-wide objects (dashboard state, router,
 * notices) from any component, without threading them through every prop.
 */
import { getContext, setContext } from 'svelte';
import type { Router } from './router.svelte.js';
import type { Dashboard } from './state/dashboard.svelte.js';
import type { ToastsStore } from './state/toasts.svelte.js';

export interface AppContext {
  dash: Dashboard;
  router: Router;
  toasts: ToastsStore;
}

const KEY = Symbol('relaywatch');

export function setApp(ctx: AppContext): void {
  setContext(KEY, ctx);
}

export function app(): AppContext {
  const ctx = getContext<AppContext | undefined>(KEY);
  if (!ctx) throw new Error('component used outside <App>');
  return ctx;
}
