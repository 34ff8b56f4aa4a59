import { healthConfigFrom } from '../../shared/health/health-config.ts';
import { createMetrics } from '../../shared/metrics/metrics.ts';
import { createBus, createStore } from '../../shared/runtime/create-adapters.ts';
import { startOpsServer } from '../../shared/runtime/ops-server.ts';
import { runService } from '../../shared/runtime/run-service.ts';
import { startWriter } from './writer-service.ts';

// Writer alone (distributed deployment): bus (Kafka) → store (InfluxDB), offsets committed after the store accepted.
await runService('roadpulse-writer', async (config, log) => {
  const metrics = createMetrics();
  const bus = await createBus(config, log);
  const store = await createStore(config, log);
  const subscription = await startWriter({ bus, store, log, metrics, health: healthConfigFrom(config) });
  const ops = await startOpsServer(config, { metrics, log, ports: { bus, store } });
  return {
    async close() {
      await subscription.stop();
      await ops.close();
      await bus.close();
      await store.close();
    },
  };
});
