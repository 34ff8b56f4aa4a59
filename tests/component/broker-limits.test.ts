import { MqttAccess } from '../../services/ingest/mqtt-auth.ts';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MqttLimits } from '../../services/ingest/broker-limits.ts';
import type { IngestService } from '../../services/ingest/ingest-service.ts';
import { startMqttBroker, type MqttBroker } from '../../services/ingest/mqtt-broker.ts';
import { mqttTelemetryTopic } from '../../shared/contract/topics.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { createMetrics } from '../../shared/metrics/metrics.ts';
import { rawConnect, rawMqttClient, within, type RawClient } from '../helpers/raw-mqtt.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 13, limits of the embedded broker, on the broker alone: at most ROADPULSE_MQTT_MAX_INFLIGHT
// messages of one connection are in hand-off at once; with that many pending the broker stops
// reading the socket (and so stops acknowledging) instead of buffering; keepalive bounds, total
// connections, topic length. The broker runs on an ingest stand-in whose hand-offs the test
// resolves by hand (the real ingest is covered by the pipeline tests, broker-abuse.test.ts).
vi.setConfig({ testTimeout: 20_000 });

const LIMITS: MqttLimits = {
  maxPacketBytes: 69_632,
  maxTopicBytes: 256,
  maxTopicLevels: 16,
  maxConnections: 100,
  maxConnectionsPerAddress: 100,
  connectTimeoutMs: 5_000,
  maxKeepaliveS: 1200,
  maxInflight: 20,
  maxInflightBytes: 1024 * 1024,
  drainTimeoutMs: 5_000,
};

/** Hand-offs that stay pending until released. */
class HeldIngest {
  readonly held: (() => void)[] = [];
  pending = 0;
  maxPending = 0;
  handle(): Promise<void> {
    this.pending++;
    this.maxPending = Math.max(this.maxPending, this.pending);
    return new Promise((resolve) =>
      this.held.push(() => {
        this.pending--;
        resolve();
      }),
    );
  }
  releaseAll(): void {
    for (const release of this.held.splice(0)) release();
  }
}

let broker: MqttBroker | undefined;
let client: RawClient | undefined;
let ingest: HeldIngest | undefined;
afterEach(async () => {
  client?.socket.destroy();
  ingest?.releaseAll(); // close() waits for hand-offs in flight
  await broker?.close();
});

/** The open broker of `npm start` (no credentials file): the limits are judged on their own. */
function anonymousAccess(metrics: ReturnType<typeof createMetrics>): MqttAccess {
  return MqttAccess.start({ credentialsFile: undefined, allowAnonymous: true, host: '127.0.0.1', log: createLogger({ level: 'silent' }), metrics });
}

describe('bounded in-flight messages per connection', () => {
  it.each([
    ['QoS 1 messages, by count', 1, 10, LIMITS, 20],
    ['QoS 0 messages, by count', 0, 10, LIMITS, 20],
    // 1 KiB payloads, 8 KiB allowed: the cut comes before the first PUBLISH once 8 KiB are pending.
    ['QoS 1 messages, by bytes', 1, 1024, { ...LIMITS, maxInflightBytes: 8 * 1024 }, 8],
  ] as const)('when a client pipelines 500 %s and ingest holds them, then at most the maximum are in hand-off, none acknowledged early, all once released', async (_what, qos, payloadBytes, limits, maxPending) => {
    ingest = new HeldIngest();
    const held = ingest;
    const metrics = createMetrics();
    broker = await startMqttBroker({
      ingest: held as unknown as IngestService, // only handle() is called
      access: anonymousAccess(metrics),
      listeners: { host: '127.0.0.1', port: 0, setupTimeoutMs: 5_000, maxPacketBytes: limits.maxPacketBytes },
      limits,
      log: createLogger({ level: 'silent' }),
      metrics,
    });
    client = await rawMqttClient(broker.port, 'inflight-1');
    const topic = mqttTelemetryTopic('s-1');
    const payload = Buffer.alloc(payloadBytes, 0x61);
    // One write: the broker gets them in a few socket reads, far more than the maximum per read.
    client.socket.write(
      Buffer.concat(
        Array.from({ length: 500 }, (_, i) => mqttPacket.generate({ cmd: 'publish', topic, payload, qos, messageId: i + 1, retain: false, dup: false })),
      ),
    );
    await waitFor(() => held.pending === maxPending, { what: `${maxPending} in hand-off` });
    await new Promise((r) => setTimeout(r, 300));
    expect(held.pending).toBe(maxPending); // it did not read on
    const pubacks = (): number => client!.received.filter((p) => p.cmd === 'puback').length;
    expect(pubacks()).toBe(0); // nor acknowledge

    let handedOff = 0;
    await waitFor(
      () => {
        handedOff += held.held.length;
        held.releaseAll();
        return qos === 1 ? pubacks() === 500 : handedOff === 500;
      },
      { timeoutMs: 15_000, what: 'all 500 handed off (and acknowledged at QoS 1)' },
    );
    expect(held.maxPending).toBeLessThanOrEqual(maxPending);
    const pushbacks = (await metrics.registry.getSingleMetric('roadpulse_mqtt_inflight_pushbacks_total')!.get()).values[0]!.value;
    expect(pushbacks).toBeGreaterThan(0);
  });
});

async function startBroker(limits: MqttLimits): Promise<{ broker: MqttBroker; metrics: ReturnType<typeof createMetrics> }> {
  ingest = new HeldIngest();
  const metrics = createMetrics();
  broker = await startMqttBroker({
    ingest: ingest as unknown as IngestService,
    access: anonymousAccess(metrics),
    listeners: { host: '127.0.0.1', port: 0, setupTimeoutMs: 5_000, maxPacketBytes: limits.maxPacketBytes },
    limits,
    log: createLogger({ level: 'silent' }),
    metrics,
  });
  return { broker, metrics };
}

async function counter(metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string> = {}): Promise<number> {
  const values = (await metrics.registry.getSingleMetric(name)!.get()).values;
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
}

describe('keepalive, connections and topic limits', () => {
  it('when a client asks for keepalive 0 and then stays silent, then its keepalive is clamped and it is closed after 1.5 × the maximum', async () => {
    const { broker: b, metrics } = await startBroker({ ...LIMITS, maxKeepaliveS: 1 });
    const silent = await rawConnect(b.port);
    client = silent;
    silent.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'silent-1', clean: true, keepalive: 0 });
    await silent.next('connack');
    expect(await counter(metrics, 'roadpulse_mqtt_keepalive_clamped_total')).toBe(1);
    expect(await within(silent.closed, 5_000)).toBe(true);
    expect(await counter(metrics, 'roadpulse_mqtt_limit_refusals_total', { reason: 'keepalive_timeout' })).toBe(1);
  });

  it('when the total number of connections is reached, then one more is closed at once and counted', async () => {
    const { broker: b, metrics } = await startBroker({ ...LIMITS, maxConnections: 2 });
    const first = [await rawMqttClient(b.port, 'total-1'), await rawMqttClient(b.port, 'total-2')];
    const extra = await rawConnect(b.port);
    expect(await within(extra.closed, 5_000)).toBe(true);
    expect(await counter(metrics, 'roadpulse_mqtt_limit_refusals_total', { reason: 'connections_total' })).toBe(1);
    expect(first.every((c) => !c.isClosed())).toBe(true);
    for (const c of first) c.socket.destroy();
  });

  it('when a client publishes on a topic longer than the maximum, then it is disconnected without PUBACK and nothing is handed to ingest', async () => {
    const { broker: b, metrics } = await startBroker(LIMITS);
    client = await rawMqttClient(b.port, 'long-topic');
    client.send({ cmd: 'publish', topic: `traffic/v1/${'x'.repeat(300)}/telemetry`, payload: '{}', qos: 1, messageId: 1, retain: false, dup: false });
    expect(await within(client.closed, 5_000)).toBe(true);
    expect(client.received.some((p) => p.cmd === 'puback')).toBe(false);
    expect(ingest!.maxPending).toBe(0);
    expect(await counter(metrics, 'roadpulse_mqtt_limit_refusals_total', { reason: 'topic_too_long' })).toBe(1);
  });
});
