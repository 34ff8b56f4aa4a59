import { createMetrics } from '../../shared/metrics/metrics.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { queryContextFrom } from '../../shared/queries/congestion-at.ts';
import { createBus, createStore } from '../../shared/runtime/create-adapters.ts';
import { startOpsServer } from '../../shared/runtime/ops-server.ts';
import { runService } from '../../shared/runtime/run-service.ts';
import { alertRulesFrom } from '../alerter/alert-rules-config.ts';
import { startAlertService } from '../alerter/alert-service.ts';
import { startAggregator } from './aggregator-service.ts';

// Aggregator alone (distributed deployment): window closes → store + traffic.congestion.v1, and the
// alert service (traffic.congestion.v1 → alerts in the store + traffic.alerts.v1) in its own consumer
// group. Both must run as one instance, so they share a process rather than add a container.
await runService('roadpulse-aggregator', async (config, log) => {
  const metrics = createMetrics();
  const bus = await createBus(config, log);
  const store = await createStore(config, log);
  const network = loadRoadNetwork(config.ROADPULSE_NETWORK_FILE);
  const query = queryContextFrom(config, store, network);
  const alerter = await startAlertService({ bus, store, network, rules: alertRulesFrom(config), log, metrics });
  const aggregator = startAggregator({ query, bus, log, metrics, graceMs: config.ROADPULSE_AGGREGATOR_GRACE_S * 1000 });
  const ops = await startOpsServer(config, { metrics, log, ports: { bus, store } });
  return {
    async close() {
      await aggregator.stop();
      await alerter.stop();
      await ops.close();
      await bus.close();
      await store.close();
    },
  };
});
