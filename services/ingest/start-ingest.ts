import { hostname } from 'node:os';
import type { Config } from '../../shared/config/schema.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import type { RoadNetwork } from '../../shared/network/road-segment.ts';
import type { Bus } from '../../shared/ports/bus.ts';
import { startExternalSubscriber } from './external-subscriber.ts';
import { IngestService } from './ingest-service.ts';
import { MqttAccess } from './mqtt-auth.ts';
import { limitsFromConfig } from './broker-limits.ts';
import { startMqttBroker } from './mqtt-broker.ts';
import { listenerOptionsFromConfig } from './mqtt-listeners.ts';

export interface RunningIngest {
  /** Port of the embedded broker; null in external mode. */
  mqttPort: number | null;
  /** Stops taking messages and waits until those in hand are on the bus (and acknowledged). */
  close(): Promise<void>;
}

/** Ingest as configured: the embedded aedes broker, or members of a shared group at an external broker. */
export async function startIngest(config: Config, deps: { bus: Bus; network: RoadNetwork; log: Logger; metrics: Metrics }): Promise<RunningIngest> {
  const ingest = new IngestService({
    ...deps,
    maxAgeMs: config.ROADPULSE_MAX_READING_AGE_S * 1000,
    maxFutureMs: config.ROADPULSE_MAX_FUTURE_S * 1000,
  });
  if (config.ROADPULSE_MQTT_MODE === 'external') {
    const subscriber = await startExternalSubscriber({
      ingest,
      url: config.ROADPULSE_MQTT_URL,
      group: config.ROADPULSE_MQTT_SHARE_GROUP,
      clientIdBase: config.ROADPULSE_MQTT_CLIENT_ID ?? `roadpulse-ingest-${hostname()}`,
      connections: config.ROADPULSE_MQTT_CONNECTIONS,
      log: deps.log,
    });
    return { mqttPort: null, close: () => subscriber.close() };
  }
  const access = MqttAccess.start({
    credentialsFile: config.ROADPULSE_MQTT_CREDENTIALS_FILE,
    // Default: open (as before) only while no credentials file is configured (README "MQTT security").
    allowAnonymous: config.ROADPULSE_MQTT_ALLOW_ANONYMOUS ?? config.ROADPULSE_MQTT_CREDENTIALS_FILE === undefined,
    host: config.ROADPULSE_MQTT_HOST,
    log: deps.log,
    metrics: deps.metrics,
  });
  const broker = await startMqttBroker({
    ingest,
    access,
    listeners: listenerOptionsFromConfig(config),
    limits: limitsFromConfig(config),
    log: deps.log,
    metrics: deps.metrics,
  }).catch((err: unknown) => {
    access.close();
    throw err;
  });
  return {
    mqttPort: broker.port,
    async close() {
      access.close();
      await broker.close();
    },
  };
}
