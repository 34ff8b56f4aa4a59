import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // End-to-end and fault tests share the real services and the writer's consumer group, and stop
    // brokers on purpose: they run afterwards, one file at a time (vitest.faults.config.ts).
    exclude: ['tests/e2e/**', 'tests/faults/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: integration tests start brokers and child processes; run files two at a time.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
