import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real-data training tests take seconds, not milliseconds; no test depends on timing.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
