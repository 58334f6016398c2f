import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real SMTP over loopback and real fsyncs: two cores, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/count-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/renderer/**', '**/node_modules/**'],
          // Finds (or unpacks, once) the Chromium the browser tests drive.
          globalSetup: ['./test/helpers/global-setup.ts'],
        },
      },
      {
        // The dashboard's logic: *.svelte.ts state classes need the Svelte
        // compiler (runes) and Svelte's browser build (reactivity that runs).
        extends: true,
        plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
        resolve: { conditions: ['browser'] },
        test: { name: 'renderer', include: ['test/renderer/**/*.test.ts'] },
      },
    ],
  },
});
