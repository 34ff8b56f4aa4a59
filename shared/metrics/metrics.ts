import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REJECTION_REASONS } from '../contract/dead-letter.ts';

/** Every Prometheus series roadpulse exposes, on one registry per process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'roadpulse_process_' });
  const rejected = new Counter({
    name: 'roadpulse_readings_rejected_total',
    help: 'Readings or messages rejected at ingest, sent to the dead-letter topic, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Start every reason at 0 so dashboards and tests see the series before the first rejection.
  for (const reason of REJECTION_REASONS) rejected.inc({ reason }, 0);
  // Sensor health: counted at scrape from the store by whoever set the source (the API); no series elsewhere.
  let sensorStates: (() => Promise<Record<string, number>>) | null = null;
  new Gauge({
    name: 'roadpulse_sensors',
    help: 'Sensors seen in the view period per health state (offline, stale, implausible, stuck, gappy, duplicating, online), at scrape',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      if (!sensorStates) return;
      const counts = await sensorStates();
      this.reset();
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  return {
    /** Where roadpulse_sensors{state} comes from at scrape time. */
    setSensorStateSource(source: () => Promise<Record<string, number>>): void {
      sensorStates = source;
    },
    registry,
    readingsAccepted: new Counter({
      name: 'roadpulse_readings_accepted_total',
      help: 'Readings validated and acknowledged by the bus',
      registers: [registry],
    }),
    readingsRejected: rejected,
    mqttMessages: new Counter({
      name: 'roadpulse_mqtt_messages_total',
      help: 'MQTT messages ingest handled, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    busPublishFailures: new Counter({
      name: 'roadpulse_bus_publish_failures_total',
      help: 'Publishes the bus did not accept (the MQTT message was not acknowledged)',
      registers: [registry],
    }),
    readingsStored: new Counter({
      name: 'roadpulse_readings_stored_total',
      help: 'Readings written to the store by the writer (replays count again)',
      registers: [registry],
    }),
    storeWriteFailures: new Counter({
      name: 'roadpulse_store_write_failures_total',
      help: 'Store writes that failed; the batch is retried and its offsets are not committed',
      registers: [registry],
    }),
    messagesSkipped: new Counter({
      name: 'roadpulse_writer_messages_skipped_total',
      help: 'Bus messages the writer passed over because they can never be stored (off-contract, or refused for good by the store)',
      registers: [registry],
    }),
    congestionRecords: new Counter({
      name: 'roadpulse_congestion_records_total',
      help: 'Congestion records emitted by the aggregator, by window',
      labelNames: ['window'] as const,
      registers: [registry],
    }),
    // Congestion alerts (issue 12).
    alertEvents: alertEvents(registry),
    alertsActive: new Gauge({
      name: 'roadpulse_alerts_active',
      help: 'Congestion alerts active now (as the alert service holds them)',
      registers: [registry],
    }),
    // MQTT authentication and topic ACL (services/ingest/mqtt-auth.ts starts each reason at 0).
    mqttRefusals: new Counter({
      name: 'roadpulse_mqtt_refusals_total',
      help: 'MQTT connections, publishes and subscriptions the embedded broker refused, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    // MQTT listeners and limits (issue 13, items 4–5).
    mqttLimitRefusals: new Counter({
      name: 'roadpulse_mqtt_limit_refusals_total',
      help: 'MQTT connections closed, or subscriptions refused, by a limit or for a malformed packet, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    mqttKeepaliveClamped: new Counter({
      name: 'roadpulse_mqtt_keepalive_clamped_total',
      help: 'CONNECTs whose keepalive (0 or above ROADPULSE_MQTT_MAX_KEEPALIVE_S) was clamped to the maximum',
      registers: [registry],
    }),
    mqttInflightPushbacks: new Counter({
      name: 'roadpulse_mqtt_inflight_pushbacks_total',
      help: 'Times a connection was not read because ROADPULSE_MQTT_MAX_INFLIGHT of its messages were in hand-off',
      registers: [registry],
    }),
    mqttConnections: new Gauge({
      name: 'roadpulse_mqtt_connections',
      help: 'Open MQTT connections (all listeners), before and after CONNECT',
      registers: [registry],
    }),
    mqttTlsReloads: new Counter({
      name: 'roadpulse_tls_reloads_total',
      help: 'TLS certificate/key reloads after a file change, by listener and result',
      labelNames: ['listener', 'result'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'roadpulse_http_request_duration_seconds',
      help: 'HTTP request duration by route and status code',
      labelNames: ['route', 'status'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    // API security (issue 13).
    apiRefusals: new Counter({
      name: 'roadpulse_api_requests_refused_total',
      help: 'API requests refused: no_key, invalid_key (401), insufficient_scope (403), rate_limited (429), busy (503)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;

function alertEvents(registry: Registry) {
  const counter = new Counter({
    name: 'roadpulse_alerts_total',
    help: 'Congestion alerts raised and cleared by the alert service, by event',
    labelNames: ['event'] as const,
    registers: [registry],
  });
  for (const event of ['raised', 'cleared']) counter.inc({ event }, 0);
  return counter;
}
