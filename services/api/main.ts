import { createMetrics } from '../../shared/metrics/metrics.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { queryContextFrom } from '../../shared/queries/congestion-at.ts';
import { createBus, createStore } from '../../shared/runtime/create-adapters.ts';
import { runService } from '../../shared/runtime/run-service.ts';
import { startApi } from './start-api.ts';

// API alone (distributed deployment): HTTP on ROADPULSE_HTTP_PORT over the store (InfluxDB).
await runService('roadpulse-api', async (config, log) => {
  const metrics = createMetrics();
  const bus = await createBus(config, log);
  const store = await createStore(config, log);
  const query = queryContextFrom(config, store, loadRoadNetwork(config.ROADPULSE_NETWORK_FILE));
  const api = await startApi(config, { query, bus, metrics, log });
  return {
    async close() {
      await api.app.close();
      await bus.close();
      await store.close();
    },
  };
});
