import type { RejectionReason } from '../../shared/contract/dead-letter.ts';
import { describeIssues } from '../../shared/contract/describe-issues.ts';
import { withFastPath } from '../../shared/contract/fast-path.ts';
import {
  MAX_BATCH_READINGS,
  MAX_PAYLOAD_BYTES,
  normaliseReading,
  rawReadingSchema,
  type Reading,
} from '../../shared/contract/telemetry.ts';
import type { RoadNetwork } from '../../shared/network/road-segment.ts';

export interface Rejection {
  reason: RejectionReason;
  detail: string;
  sensorId: string | null;
  /** Index in a batch; null when the whole message is rejected. */
  batchIndex: number | null;
}

const rawReadingParser = withFastPath(rawReadingSchema);
/** idSchema's rule (DESIGN §3), as a regex for the rejection path. */
const ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface ValidationContext {
  network: RoadNetwork;
  now: number;
  maxAgeMs: number;
  maxFutureMs: number;
}

export interface ValidationResult {
  accepted: Reading[];
  rejected: Rejection[];
}

/**
 * Validates one MQTT telemetry message (DESIGN §3). A batch is judged reading by reading: the good
 * ones go on, each bad one is rejected with its own reason, so one bad reading loses nothing else.
 */
export function validateTelemetry(topicSensorId: string, payload: Buffer, ctx: ValidationContext): ValidationResult {
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return whole(topicSensorId, 'too_large', `payload is ${payload.length} bytes; the limit is ${MAX_PAYLOAD_BYTES}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return whole(topicSensorId, 'invalid_json', (err as Error).message);
  }
  const isBatch = Array.isArray(body);
  const items: unknown[] = isBatch ? (body as unknown[]) : [body];
  if (isBatch && items.length === 0) return whole(topicSensorId, 'schema', 'a batch must hold at least one reading');
  if (items.length > MAX_BATCH_READINGS) {
    return whole(topicSensorId, 'too_large', `batch holds ${items.length} readings; the limit is ${MAX_BATCH_READINGS}`);
  }
  const result: ValidationResult = { accepted: [], rejected: [] };
  // A plain loop and no closures: this runs once per reading on the ingest hot path.
  for (let i = 0; i < items.length; i++) {
    const outcome = validateOne(topicSensorId, items[i], ctx);
    if ('reason' in outcome) result.rejected.push({ ...outcome, batchIndex: isBatch ? i : null });
    else result.accepted.push(outcome);
  }
  return result;
}

function validateOne(topicSensorId: string, item: unknown, ctx: ValidationContext): Reading | Omit<Rejection, 'batchIndex'> {
  const parsed = rawReadingParser.safeParse(item);
  if (!parsed.success) {
    // Charged to the sensor the reading names only if this publisher may speak for it.
    // Only a valid id, though: the claim failed the schema, and it becomes a tag in the store (one
    // series per made-up name, or a string line protocol cannot carry).
    const claimed = (item as { sensorId?: unknown } | null)?.sensorId;
    const sensorId = typeof claimed === 'string' && ID.test(claimed) && publisherMaySpeakFor(topicSensorId, claimed) ? claimed : topicSensorId;
    return { reason: 'schema', detail: describeIssues(parsed.error), sensorId };
  }
  const reading = normaliseReading(parsed.data);
  if (!publisherMaySpeakFor(topicSensorId, reading.sensorId)) {
    // Counted against the publisher, not against the sensor it pretends to be.
    const detail = `topic is for "${topicSensorId}" but the reading is from "${reading.sensorId}"`;
    return { reason: 'topic_mismatch', detail, sensorId: topicSensorId };
  }
  if (!ctx.network.byId.has(reading.segmentId)) {
    return rejected(reading.sensorId, 'unknown_segment', `segment "${reading.segmentId}" is not in the road network`);
  }
  if (reading.ts > ctx.now + ctx.maxFutureMs) {
    return rejected(reading.sensorId, 'future_ts', `ts ${new Date(reading.ts).toISOString()} is more than ${ctx.maxFutureMs / 1000} s in the future`);
  }
  if (reading.ts < ctx.now - ctx.maxAgeMs) {
    return rejected(reading.sensorId, 'stale_ts', `ts ${new Date(reading.ts).toISOString()} is older than ${ctx.maxAgeMs / 1000} s`);
  }
  return reading;
}

function whole(topicSensorId: string, reason: RejectionReason, detail: string): ValidationResult {
  return { accepted: [], rejected: [{ reason, detail, sensorId: topicSensorId, batchIndex: null }] };
}

function rejected(sensorId: string, reason: RejectionReason, detail: string): Omit<Rejection, 'batchIndex'> {
  return { reason, detail, sensorId };
}

/**
 * DESIGN §2: the topic's id must be the reading's sensorId (anti-spoofing). A gateway batching for
 * many sensors publishes on its own id; it may speak for sensors named `{gatewayId}.{local}` only.
 */
export function publisherMaySpeakFor(topicId: string, sensorId: string): boolean {
  return sensorId === topicId || sensorId.startsWith(`${topicId}.`);
}
