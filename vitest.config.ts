import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: integration tests start brokers and child processes; run files two at a time.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
