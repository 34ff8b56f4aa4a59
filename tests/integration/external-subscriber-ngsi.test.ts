import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SqliteBus } from '../../shared/adapters/sqlite-bus.ts';
import { mqttNgsiTopic, TOPICS } from '../../shared/contract/topics.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { createMetrics } from '../../shared/metrics/metrics.ts';
import { loadRoadNetwork } from '../../shared/network/load-network.ts';
import { startExternalSubscriber } from '../../services/ingest/external-subscriber.ts';
import { IngestService } from '../../services/ingest/ingest-service.ts';
import { purgeMqttSessions } from '../helpers/distributed.ts';
import { requireService } from '../helpers/real-services.ts';
import { waitFor } from '../helpers/wait.ts';

// External-broker mode (README "External MQTT broker"): ingest's shared subscription on real
// Mosquitto takes the NGSI topic too.
vi.setConfig({ testTimeout: 20_000, hookTimeout: 40_000 });

const { url } = await requireService('mosquitto');
const tag = `ngsi${process.pid % 100000}`;
const clientIdBase = `rp-${tag}`;
let dir = '';
let bus: SqliteBus;
let subscriber: { close(): Promise<void> };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rp-ext-ngsi-'));
  const log = createLogger({ level: 'silent' });
  bus = new SqliteBus({ file: join(dir, 'bus.sqlite'), log });
  const ingest = new IngestService({ bus, network: loadRoadNetwork(), log, metrics: createMetrics(), maxAgeMs: 7 * 86_400_000, maxFutureMs: 300_000 });
  subscriber = await startExternalSubscriber({ ingest, url, group: `g-${tag}`, clientIdBase, connections: 1, log });
});
afterAll(async () => {
  await subscriber?.close();
  await bus?.close();
  await purgeMqttSessions(url, [`${clientIdBase}-0`]);
  rmSync(dir, { recursive: true, force: true });
});

describe('external subscriber and the NGSI topic', () => {
  it('when a TrafficFlowObserved is published to Mosquitto on traffic/v1/{id}/ngsi, then ingest puts its reading on the telemetry topic', async () => {
    const sensorId = `ext-${tag}`;
    const to = Date.now() - 1_000;
    const entity = {
      id: `urn:ngsi-ld:TrafficFlowObserved:${sensorId}`, type: 'TrafficFlowObserved', refRoadSegment: 'urn:ngsi-ld:RoadSegment:ql13-sb-03',
      dateObserved: new Date(to).toISOString(), dateObservedFrom: new Date(to - 30_000).toISOString(), dateObservedTo: new Date(to).toISOString(),
      intensity: 7, vehicleType: 'car', averageVehicleSpeed: 44,
    };
    const publisher = await mqtt.connectAsync(url, { clientId: `pub-${tag}`, reconnectPeriod: 0 });
    await publisher.publishAsync(mqttNgsiTopic(sensorId), JSON.stringify(entity), { qos: 1 });
    await publisher.endAsync();
    const reading = await waitFor(
      () => bus.read(TOPICS.telemetry, 0, 1000).map((m) => JSON.parse(m.value) as Record<string, unknown>).find((r) => r.sensorId === sensorId),
      { what: 'the NGSI reading on traffic.telemetry.v1', timeoutMs: 10_000 },
    );
    expect(reading).toMatchObject({ segmentId: 'ql13-sb-03', ts: to, intervalS: 30, counts: { car: 7 }, speedKmh: 44 });
  });
});
