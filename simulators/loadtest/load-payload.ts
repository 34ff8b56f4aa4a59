import { mqttTelemetryTopic } from '../../shared/contract/topics.ts';
import type { RoadSegment } from '../../shared/network/road-segment.ts';

export interface LoadSensor {
  sensorId: string;
  segmentId: string;
  lane: number;
  /** Its own telemetry topic (used for one reading per message). */
  topic: string;
}

/** One load-test connection: a gateway `{runId}-c{n}` speaking for sensors `{runId}-c{n}.s{k}`. */
export interface LoadConnection {
  gatewayId: string;
  /** The gateway's topic, for batches (a gateway may speak for its sensors: DESIGN §2). */
  topic: string;
  sensors: LoadSensor[];
}

/** Sensors spread over the segments; ids unique to this run so the far end's per-sensor counts are ours alone. */
export function loadConnections(runId: string, connections: number, sensorsPerConnection: number, segments: readonly RoadSegment[]): LoadConnection[] {
  return Array.from({ length: connections }, (_, c) => {
    const gatewayId = `${runId}-c${c}`;
    const sensors = Array.from({ length: sensorsPerConnection }, (_, k): LoadSensor => {
      const segment = segments[(c * sensorsPerConnection + k) % segments.length]!;
      const sensorId = `${gatewayId}.s${k}`;
      return { sensorId, segmentId: segment.id, lane: 1 + (k % segment.lanes), topic: mqttTelemetryTopic(sensorId) };
    });
    return { gatewayId, topic: mqttTelemetryTopic(gatewayId), sensors };
  });
}

/** A valid DESIGN §3 reading, as JSON text. */
export function loadReadingJson(sensor: LoadSensor, seq: number, ts: number): string {
  return `{"sensorId":"${sensor.sensorId}","segmentId":"${sensor.segmentId}","ts":${ts},"intervalS":60,"lane":${sensor.lane},` +
    `"counts":{"motorbike":${20 + (seq % 7)},"car":5,"bus":${seq % 2},"truck":1},"speedKmh":${35 + (seq % 10)},"occupancy":0.12,"seq":${seq}}`;
}

/**
 * One message: a single reading, or an array of them. JSON allows whitespace after the value, so
 * `padTo` pads with spaces up to that many bytes without changing what the message says.
 */
export function loadMessage(readingsJson: readonly string[], padTo: number): Buffer {
  const text = readingsJson.length === 1 ? readingsJson[0]! : `[${readingsJson.join(',')}]`;
  const bytes = Buffer.byteLength(text);
  return Buffer.from(bytes >= padTo ? text : text + ' '.repeat(padTo - bytes));
}

/** A base-36 run id from the clock: short, and different for every run. */
export function newRunId(nowMs = Date.now()): string {
  return `lt${nowMs.toString(36)}`;
}
