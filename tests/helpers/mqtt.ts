import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { mqttTelemetryTopic } from '../../shared/contract/topics.ts';

let clientCounter = 0;

/** A client id unique in this test run and within the broker's 23-character limit [MQTT-3.1.3-5]. */
export function uniqueClientId(prefix = 't'): string {
  clientCounter += 1;
  return `${prefix.slice(0, 8)}-${process.pid % 100000}-${clientCounter}`.slice(0, 23);
}

/** Connects (resolving on CONNACK); no automatic reconnect, so a dropped connection shows up as an error. */
export function connect(mqttUrl: string, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(mqttUrl, { clientId: uniqueClientId(), reconnectPeriod: 0, connectTimeout: 5_000, ...options });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Publishes at QoS 1 and resolves when the broker's PUBACK arrives. */
export async function publishQos1(client: MqttClient, topic: string, payload: string | Buffer, timeoutMs = 10_000): Promise<void> {
  await withTimeout(client.publishAsync(topic, payload, { qos: 1 }), timeoutMs, `PUBACK for ${topic}`);
}

export interface PublishOptions {
  /** MQTT client id; default: a unique one. */
  clientId?: string;
  /** Topic sensor id; default: the `sensorId` of the (first) reading. */
  topicSensorId?: string;
  /** Raw topic, overriding topicSensorId. */
  topic?: string;
}

/**
 * Connects, publishes one telemetry message (a reading, an array of readings = a batch, or raw
 * text/bytes) at QoS 1 on traffic/v1/{sensorId}/telemetry, resolves on PUBACK, disconnects.
 */
export async function publishTelemetry(mqttUrl: string, payload: unknown, options: PublishOptions = {}): Promise<void> {
  const first = Array.isArray(payload) ? (payload[0] as unknown) : payload;
  const claimed = (first as { sensorId?: unknown } | null)?.sensorId;
  const topicSensorId = options.topicSensorId ?? (typeof claimed === 'string' ? claimed : undefined);
  const topic = options.topic ?? (topicSensorId ? mqttTelemetryTopic(topicSensorId) : undefined);
  if (!topic) throw new Error('publishTelemetry: give a topic or a reading with a sensorId');
  const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
  const client = await connect(mqttUrl, options.clientId ? { clientId: options.clientId } : {});
  try {
    await publishQos1(client, topic, body);
  } finally {
    await client.endAsync();
  }
}

/** One reading per QoS 1 message, each on its own sensor's topic, over one connection; resolves on the last PUBACK. */
export async function publishReadings<R extends { sensorId: string }>(
  mqttUrl: string,
  readings: readonly R[],
  options: { clientId?: string } = {},
): Promise<void> {
  const client = await connect(mqttUrl, options.clientId ? { clientId: options.clientId } : {});
  try {
    await Promise.all(readings.map((r) => publishQos1(client, mqttTelemetryTopic(r.sensorId), JSON.stringify(r))));
  } finally {
    await client.endAsync();
  }
}

/** A single reading: publishReadings of one. */
export function publishReading<R extends { sensorId: string }>(mqttUrl: string, reading: R, options: { clientId?: string } = {}): Promise<void> {
  return publishReadings(mqttUrl, [reading], options);
}
