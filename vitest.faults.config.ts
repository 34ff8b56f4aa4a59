import { defineConfig } from 'vitest/config';

// End-to-end and fault tests on the real services (issue 3): every file starts the services as
// child processes on the same Kafka topics and the same writer consumer group, and the fault tests
// stop and start Kafka and InfluxDB themselves, so the files run one at a time.
//   bash scripts/services.sh start && npx vitest run -c vitest.faults.config.ts
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts', 'tests/faults/**/*.test.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 600_000,
    hookTimeout: 300_000,
    teardownTimeout: 300_000,
    reporters: ['default'],
  },
});
