import { join } from 'node:path';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import { SqliteStore } from '../../shared/adapters/sqlite-store.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import { createMetrics } from '../../shared/metrics/metrics.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { queryContextFrom } from '../../shared/queries/congestion-at.ts';
import { alertRulesFrom } from '../alerter/alert-rules-config.ts';
import { startAlertService } from '../alerter/alert-service.ts';
import { startApi } from '../api/start-api.ts';
import { startIngest } from '../ingest/start-ingest.ts';
import { startStorageThread } from './start-storage-thread.ts';

export interface RunningPipeline {
  mqttPort: number;
  httpPort: number;
  /** Graceful stop: stop taking input → flush to the bus → store and commit → close files. */
  close(): Promise<void>;
}

/** The whole pipeline in one process on the embedded adapters (DESIGN §1, embedded deployment). */
export async function startEmbeddedPipeline(config: Config, log: Logger): Promise<RunningPipeline> {
  const network = loadRoadNetwork(config.ROADPULSE_NETWORK_FILE);
  const metrics = createMetrics();
  const bus = new SqliteBus({
    file: join(config.ROADPULSE_DATA_DIR, 'bus.sqlite'),
    log,
    retentionMs: config.ROADPULSE_BUS_RETENTION_H * 3600_000,
    checkpointsByConsumers: true, // the storage thread's connection checkpoints
  });
  const store = new SqliteStore(join(config.ROADPULSE_DATA_DIR, 'store.sqlite'));
  const query = queryContextFrom(config, store, network);

  // Alerts on this thread: a few records per window close, and its metrics are this thread's. Started
  // before the storage thread so that a first start already judges the windows the aggregator closes.
  const alerter = await startAlertService({ bus, store, network, rules: alertRulesFrom(config), log, metrics });
  const storage = await startStorageThread(config, { metrics, log });
  const api = await startApi(config, { query, bus, metrics, log });
  // The embedded deployment always runs its own broker, whatever ROADPULSE_MQTT_MODE says.
  const ingest = await startIngest({ ...config, ROADPULSE_MQTT_MODE: 'embedded' }, { bus, network, log, metrics });
  log.info({ segments: network.segments.length, dataDir: config.ROADPULSE_DATA_DIR }, 'roadpulse embedded pipeline running');

  return {
    mqttPort: ingest.mqttPort!,
    httpPort: api.port,
    async close() {
      await ingest.close();
      await api.app.close();
      await alerter.stop();
      await storage.stop();
      await bus.close();
      await store.close();
      log.info('roadpulse stopped');
    },
  };
}
