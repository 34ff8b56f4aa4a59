import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MqttLimits } from '../../services/ingest/broker-limits.ts';
import type { IngestService } from '../../services/ingest/ingest-service.ts';
import { startMqttBroker, type MqttBroker } from '../../services/ingest/mqtt-broker.ts';
import { mqttTelemetryTopic } from '../../shared/contract/topics.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import { createMetrics } from '../../shared/metrics/metrics.ts';
import { rawMqttClient, type RawClient } from '../helpers/raw-mqtt.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 13, limits: at most ROADPULSE_MQTT_MAX_INFLIGHT QoS 1 messages of one connection are in
// hand-off at once; with that many pending the broker stops reading the socket (and so stops
// acknowledging) instead of buffering. The broker runs on an ingest stand-in whose hand-offs the
// test resolves by hand (the real ingest is covered by the pipeline tests).
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
