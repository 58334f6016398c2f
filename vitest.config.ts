import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real SMTP over loopback and real fsyncs: two cores, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default', './test/helpers/count-reporter.ts'],
  },
});
