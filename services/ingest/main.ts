import { createBus } from '../../shared/runtime/create-adapters.ts';
import { createMetrics } from '../../shared/metrics/metrics.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { startOpsServer } from '../../shared/runtime/ops-server.ts';
import { runService } from '../../shared/runtime/run-service.ts';
import { startIngest } from './start-ingest.ts';

// Ingest alone (distributed deployment): MQTT in → bus (Kafka). Ops endpoints on ROADPULSE_HTTP_PORT.
await runService('roadpulse-ingest', async (config, log) => {
  const network = loadRoadNetwork(config.ROADPULSE_NETWORK_FILE);
  const metrics = createMetrics();
  const bus = await createBus(config, log);
  const ingest = await startIngest(config, { bus, network, log, metrics });
  const ops = await startOpsServer(config, { metrics, log, ports: { bus } });
  return {
    async close() {
      await ingest.close();
      await ops.close();
      await bus.close();
    },
  };
});
