import { trafficFlowToReading } from '../../shared/contract/ngsi-traffic-flow.ts';
import { MAX_BATCH_READINGS, MAX_PAYLOAD_BYTES } from '../../shared/contract/telemetry.ts';
import { validateTelemetry, type ValidationContext, type ValidationResult } from './validate-telemetry.ts';

/**
 * Validates one message of `traffic/v1/{sensorId}/ngsi`: a FIWARE TrafficFlowObserved entity in
 * keyValues form, or an array of up to 500. Each entity is mapped to a reading v1
 * (shared/contract/ngsi-traffic-flow.ts) and then judged by validateTelemetry, so the readings,
 * the rejection reasons and the counters are those of `/telemetry`. An entity that cannot be mapped
 * is rejected with reason `schema`; the others go on.
 */
export function validateNgsiTelemetry(topicSensorId: string, payload: Buffer, ctx: ValidationContext): ValidationResult {
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
  if (isBatch && items.length === 0) return whole(topicSensorId, 'schema', 'a batch must hold at least one entity');
  if (items.length > MAX_BATCH_READINGS) {
    return whole(topicSensorId, 'too_large', `batch holds ${items.length} entities; the limit is ${MAX_BATCH_READINGS}`);
  }
  const result: ValidationResult = { accepted: [], rejected: [] };
  items.forEach((item, i) => {
    const batchIndex = isBatch ? i : null;
    const mapped = trafficFlowToReading(item, topicSensorId);
    if (!mapped.ok) {
      result.rejected.push({ reason: 'schema', detail: mapped.detail, sensorId: topicSensorId, batchIndex });
      return;
    }
    // The very path `/telemetry` takes, one reading at a time (NGSI is not the hot path).
    const one = validateTelemetry(topicSensorId, Buffer.from(JSON.stringify(mapped.reading)), ctx);
    result.accepted.push(...one.accepted);
    for (const r of one.rejected) result.rejected.push({ ...r, batchIndex });
  });
  return result;
}

function whole(sensorId: string, reason: 'too_large' | 'invalid_json' | 'schema', detail: string): ValidationResult {
  return { accepted: [], rejected: [{ reason, detail, sensorId, batchIndex: null }] };
}
