import { DEAD_LETTER_PAYLOAD_BYTES, type DeadLetter } from '../../shared/contract/dead-letter.ts';
import { describeIssues } from '../../shared/contract/describe-issues.ts';
import { statusPayloadSchema, type SensorStatus } from '../../shared/contract/sensor-status.ts';
import { readingJson } from '../../shared/contract/telemetry.ts';
import { MQTT_NGSI, MQTT_STATUS, MQTT_TELEMETRY, TOPICS } from '../../shared/contract/topics.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import type { RoadNetwork } from '../../shared/network/road-segment.ts';
import type { Bus, BusMessage } from '../../shared/ports/bus.ts';
import { validateNgsiTelemetry } from './validate-ngsi-telemetry.ts';
import { validateTelemetry, type Rejection, type ValidationContext, type ValidationResult } from './validate-telemetry.ts';

export interface IngestOptions {
  bus: Bus;
  network: RoadNetwork;
  log: Logger;
  metrics: Metrics;
  maxAgeMs: number;
  maxFutureMs: number;
  now?: () => number;
}

export interface IncomingMessage {
  topic: string;
  payload: Buffer;
  clientId: string | null;
}

/**
 * The ingest path, independent of where MQTT messages come from (embedded broker or an external one).
 * `handle` resolves once everything the message produced — readings, dead letters, status — is
 * durably on the bus; only then may the caller acknowledge the message (QoS 1 PUBACK).
 * It rejects only when the bus refused: the caller must then not acknowledge.
 */
export class IngestService {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly validation: ValidationContext;
  /** Headers of the last message: messages from one client within one millisecond share them (and their serialisation). */
  private headers: { ingestedAt: string; clientId: string } = { ingestedAt: '', clientId: '' };
  private headersAt = -1;

  constructor(private readonly opts: IngestOptions) {
    this.log = opts.log.child({ component: 'ingest' });
    this.now = opts.now ?? Date.now;
    this.validation = { network: opts.network, now: 0, maxAgeMs: opts.maxAgeMs, maxFutureMs: opts.maxFutureMs };
  }

  /**
   * Resolves once everything the message produced is durably on the bus; null when the topic is
   * not one ingest consumes (plain broker traffic, nothing to wait for).
   */
  handle(message: IncomingMessage): Promise<void> | null {
    try {
      const telemetry = MQTT_TELEMETRY.exec(message.topic);
      if (telemetry) return this.handleTelemetry(telemetry[1]!, message);
      const status = MQTT_STATUS.exec(message.topic);
      if (status) return this.handleStatus(status[1]!, message);
      const ngsi = MQTT_NGSI.exec(message.topic);
      if (ngsi) return this.handleTelemetry(ngsi[1]!, message, validateNgsiTelemetry, 'ngsi');
      return null;
    } catch (err) {
      // handleTelemetry is not async (hot path): whatever it throws still reaches the caller as a rejection.
      return Promise.reject(err as Error);
    }
  }

  /** Not `async`, and one bus publish when nothing is rejected: this runs once per message on the hot path. */
  private handleTelemetry(
    topicSensorId: string,
    message: IncomingMessage,
    validate: (topicSensorId: string, payload: Buffer, ctx: ValidationContext) => ValidationResult = validateTelemetry,
    kind = 'telemetry',
  ): Promise<void> {
    const { metrics, bus } = this.opts;
    metrics.mqttMessages.inc({ kind });
    const now = this.now();
    this.validation.now = now;
    const result = validate(topicSensorId, message.payload, this.validation);
    const clientId = message.clientId ?? '';
    if (this.headersAt !== now || this.headers.clientId !== clientId) {
      this.headers = { ingestedAt: String(now), clientId };
      this.headersAt = now;
    }
    const headers = this.headers;
    const records: BusMessage[] = [];
    for (const r of result.accepted) records.push({ key: r.segmentId, value: readingJson(r), headers });
    const writes: Promise<unknown>[] = [];
    if (records.length > 0) writes.push(bus.publish(TOPICS.telemetry, records));
    if (result.rejected.length > 0) writes.push(this.deadLetter(result.rejected, message, now));
    return (writes.length === 1 ? writes[0]! : Promise.all(writes)).then(
      () => {
        metrics.readingsAccepted.inc(result.accepted.length);
        for (const r of result.rejected) metrics.readingsRejected.inc({ reason: r.reason });
      },
      (err: unknown) => {
        metrics.busPublishFailures.inc();
        throw err;
      },
    );
  }

  private async handleStatus(sensorId: string, message: IncomingMessage): Promise<void> {
    this.opts.metrics.mqttMessages.inc({ kind: 'status' });
    const now = this.now();
    let parsed: ReturnType<typeof statusPayloadSchema.safeParse> | null = null;
    try {
      parsed = statusPayloadSchema.safeParse(JSON.parse(message.payload.toString('utf8')));
    } catch (err) {
      await this.deadLetter([{ reason: 'invalid_json', detail: (err as Error).message, sensorId, batchIndex: null }], message, now);
      this.opts.metrics.readingsRejected.inc({ reason: 'invalid_json' });
      return;
    }
    if (!parsed.success) {
      const detail = describeIssues(parsed.error);
      await this.deadLetter([{ reason: 'schema', detail, sensorId, batchIndex: null }], message, now);
      this.opts.metrics.readingsRejected.inc({ reason: 'schema' });
      return;
    }
    const { state, ...detail } = parsed.data;
    const status: SensorStatus = { sensorId, state, at: now, detail };
    await this.opts.bus.publish(TOPICS.status, [{ key: sensorId, value: JSON.stringify(status) }]);
  }

  private deadLetter(rejections: Rejection[], message: IncomingMessage, now: number): Promise<void> {
    const text = message.payload.subarray(0, DEAD_LETTER_PAYLOAD_BYTES).toString('utf8');
    const entries: BusMessage[] = rejections.map((r) => {
      const entry: DeadLetter = {
        reason: r.reason,
        detail: r.detail,
        mqttTopic: message.topic,
        clientId: message.clientId,
        sensorId: r.sensorId,
        receivedAt: new Date(now).toISOString(),
        batchIndex: r.batchIndex,
        payload: text,
        payloadTruncated: message.payload.length > DEAD_LETTER_PAYLOAD_BYTES,
      };
      this.log.debug({ reason: r.reason, sensorId: r.sensorId, topic: message.topic }, 'reading rejected');
      return { key: r.sensorId ?? message.topic, value: JSON.stringify(entry) };
    });
    return this.opts.bus.publish(TOPICS.deadLetter, entries);
  }
}
