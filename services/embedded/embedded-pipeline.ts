import { join } from 'node:path';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import { SqliteStore } from '../../shared/adapters/sqlite-store.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import { createMetrics } from '../../shared/metrics/metrics.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { startAggregator } from '../aggregator/aggregator-service.ts';
import { buildApp } from '../api/build-app.ts';
import { IngestService } from '../ingest/ingest-service.ts';
import { startMqttBroker } from '../ingest/mqtt-broker.ts';
import { startWriterThread } from './start-writer-thread.ts';

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
  const bus = new SqliteBus({ file: join(config.ROADPULSE_DATA_DIR, 'bus.sqlite'), log });
  const store = new SqliteStore(join(config.ROADPULSE_DATA_DIR, 'store.sqlite'));
  const query = {
    store,
    network,
    weights: config.ROADPULSE_PCU_WEIGHTS,
    sensorKnownMs: config.ROADPULSE_SENSOR_KNOWN_H * 3600_000,
  };

  const writer = await startWriterThread({ dataDir: config.ROADPULSE_DATA_DIR, logLevel: config.ROADPULSE_LOG_LEVEL, metrics, log });
  const aggregator = startAggregator({ query, bus, log, metrics, graceMs: config.ROADPULSE_AGGREGATOR_GRACE_S * 1000 });
  const ingest = new IngestService({
    bus,
    network,
    log,
    metrics,
    maxAgeMs: config.ROADPULSE_MAX_READING_AGE_S * 1000,
    maxFutureMs: config.ROADPULSE_MAX_FUTURE_S * 1000,
  });
  const app = await buildApp({
    query,
    bus,
    metrics,
    log,
    apiKeys: config.ROADPULSE_API_KEYS,
    historyMaxPoints: config.ROADPULSE_HISTORY_MAX_POINTS,
    sensorViewMs: config.ROADPULSE_SENSOR_KNOWN_H * 3600_000,
  });
  await app.listen({ host: config.ROADPULSE_HTTP_HOST, port: config.ROADPULSE_HTTP_PORT });
  const httpPort = app.server.address() as { port: number };
  const broker = await startMqttBroker({ ingest, host: config.ROADPULSE_MQTT_HOST, port: config.ROADPULSE_MQTT_PORT, log });
  log.info({ segments: network.segments.length, dataDir: config.ROADPULSE_DATA_DIR }, 'roadpulse embedded pipeline running');

  return {
    mqttPort: broker.port,
    httpPort: httpPort.port,
    async close() {
      await broker.close();
      await app.close();
      await aggregator.stop();
      await writer.stop();
      await bus.close();
      await store.close();
      log.info('roadpulse stopped');
    },
  };
}
