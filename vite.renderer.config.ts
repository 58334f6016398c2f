/**
 * Vite build of the dashboard (renderer/ → renderer/dist). The same files are
 * loaded by the Electron window (its own relaywatch:// scheme, hence base './')
 * and served by `relaywatch serve` under a strict CSP (no inline scripts, no
 * eval): the build must never need either. It lives outside renderer/ because
 * it is build tooling that runs in Node, and renderer/ reaches the core only
 * through its client API — no node: or electron imports there.
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('./renderer/', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The preload polyfill would be injected inline-free, but it is not needed
    // by Chromium/Electron and keeps the bundle smaller.
    modulePreload: { polyfill: false },
    // Nothing is fetched from elsewhere: every asset ships in dist/.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 700,
  },
  server: { host: '127.0.0.1' },
});
