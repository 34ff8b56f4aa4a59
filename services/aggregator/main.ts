import { createMetrics } from '../../shared/metrics/metrics.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { queryContextFrom } from '../../shared/queries/congestion-at.ts';
import { createBus, createStore } from '../../shared/runtime/create-adapters.ts';
import { startOpsServer } from '../../shared/runtime/ops-server.ts';
import { runService } from '../../shared/runtime/run-service.ts';
import { startAggregator } from './aggregator-service.ts';

// Aggregator alone (distributed deployment): window closes → store + traffic.congestion.v1.
await runService('roadpulse-aggregator', async (config, log) => {
  const metrics = createMetrics();
  const bus = await createBus(config, log);
  const store = await createStore(config, log);
  const query = queryContextFrom(config, store, loadRoadNetwork(config.ROADPULSE_NETWORK_FILE));
  const aggregator = startAggregator({ query, bus, log, metrics, graceMs: config.ROADPULSE_AGGREGATOR_GRACE_S * 1000 });
  const ops = await startOpsServer(config, { metrics, log, ports: { bus, store } });
  return {
    async close() {
      await aggregator.stop();
      await ops.close();
      await bus.close();
      await store.close();
    },
  };
});
