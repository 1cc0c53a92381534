import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Real-data training tests take seconds, not milliseconds; no test depends on timing.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // A browser test polls the page for what it waits for; on a loaded CI machine a view can take
    // seconds to update, which is slowness, not failure (a poll still fails when it never comes).
    expect: { poll: { timeout: 30_000, interval: 50 } },
  },
});
