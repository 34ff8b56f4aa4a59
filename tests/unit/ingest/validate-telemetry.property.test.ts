import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REJECTION_REASONS, deadLetterSchema } from '../../../shared/contract/dead-letter.ts';
import { MAX_BATCH_READINGS, readingJson, readingSchema } from '../../../shared/contract/telemetry.ts';
import { VEHICLE_CLASSES } from '../../../shared/contract/vehicle-classes.ts';
import { loadRoadNetwork } from '../../../shared/network/load-network.ts';
import { ID, hostileString, validId } from '../../helpers/hostile.ts';
import { publisherMaySpeakFor, validateTelemetry, type ValidationContext, type ValidationResult } from '../../../services/ingest/validate-telemetry.ts';

// Issue 13 "Hostile input" (a): whatever bytes arrive, the decoder never throws, and every reading
// of a message ends either as a valid normalised reading or as a dead letter with a reason.
const NOW = 1_772_352_000_000;
const network = loadRoadNetwork();
const ctx: ValidationContext = { network, now: NOW, maxAgeMs: 7 * 24 * 3600_000, maxFutureMs: 300_000 };
const SEGMENTS = network.segments.map((s) => s.id);

const topicId = fc.oneof(fc.constant('s1'), fc.constant('gw7'), validId);

/** A reading whose every field is either plausible or hostile (or absent), plus sometimes an unknown field. */
const nearReading = (topic: string) =>
  fc.record(
    {
      sensorId: fc.oneof(fc.constant(topic), fc.constant(`${topic}.l1`), hostileString.map((h) => `${topic}.${h}`), hostileString, fc.anything()),
      segmentId: fc.oneof(fc.constantFrom(...SEGMENTS), validId, hostileString, fc.anything()),
      ts: fc.oneof(
        fc.integer({ min: NOW - 8 * 24 * 3600_000, max: NOW + 600_000 }),
        fc.date({ min: new Date(0), max: new Date(NOW + 3600_000), noInvalidDate: true }).map((d) => d.toISOString()),
        fc.double(),
        hostileString,
        fc.anything(),
      ),
      intervalS: fc.oneof(fc.integer({ min: 1, max: 3600 }), fc.double(), fc.anything()),
      lane: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer(), fc.anything()),
      counts: fc.oneof(
        fc.record(Object.fromEntries(VEHICLE_CLASSES.map((c) => [c, fc.nat(500)])), { requiredKeys: [] }),
        fc.dictionary(hostileString, fc.anything()),
        fc.anything(),
      ),
      speedKmh: fc.oneof(fc.double({ min: 0, max: 250, noNaN: true }), fc.constant(null), fc.double(), fc.anything()),
      occupancy: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant(null), fc.anything()),
      seq: fc.oneof(fc.nat(), fc.anything()),
      [`extra`]: fc.anything(),
    },
    { requiredKeys: [] },
  );

/** Message bodies: one near-reading, a batch of them, any JSON, or bytes that may not even be UTF-8. */
const message = topicId.chain((topic) =>
  fc.record({
    topic: fc.constant(topic),
    payload: fc.oneof(
      nearReading(topic).map((r) => Buffer.from(JSON.stringify(r) ?? 'null')),
      fc.array(nearReading(topic), { maxLength: 20 }).map((b) => Buffer.from(JSON.stringify(b))),
      fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v))),
      fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'binary', maxLength: 300 }).map((s) => Buffer.from(s)),
    ),
  }),
);

function checkOutcome(topic: string, payload: Buffer, result: ValidationResult): void {
  let body: unknown;
  let parsed = true;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    parsed = false;
  }
  const isBatch = parsed && Array.isArray(body);
  const total = result.accepted.length + result.rejected.length;
  const whole = result.rejected.length === 1 && result.rejected[0]!.batchIndex === null && result.accepted.length === 0;
  if (!parsed) expect(whole && result.rejected[0]!.reason).toBe('invalid_json');
  else if (isBatch && ((body as unknown[]).length === 0 || (body as unknown[]).length > MAX_BATCH_READINGS)) expect(whole).toBe(true);
  else if (isBatch) {
    // One outcome per reading of the batch, each batch index exactly once.
    expect(total).toBe((body as unknown[]).length);
    const indexes = result.rejected.map((r) => r.batchIndex);
    expect(new Set(indexes).size).toBe(indexes.length);
    for (const i of indexes) expect(Number.isInteger(i) && i! >= 0 && i! < total).toBe(true);
  } else {
    expect(total).toBe(1);
    expect(result.rejected.every((r) => r.batchIndex === null)).toBe(true);
  }

  for (const r of result.accepted) {
    expect(readingSchema.parse(r)).toEqual(r); // normalised: every field present, ts epoch ms
    expect(JSON.parse(readingJson(r))).toEqual(r);
    expect(r.sensorId).toMatch(ID);
    expect(r.segmentId).toMatch(ID);
    expect(publisherMaySpeakFor(topic, r.sensorId)).toBe(true);
    expect(network.byId.has(r.segmentId)).toBe(true);
    expect(Number.isSafeInteger(r.ts)).toBe(true);
    expect(r.ts).toBeGreaterThanOrEqual(NOW - ctx.maxAgeMs);
    expect(r.ts).toBeLessThanOrEqual(NOW + ctx.maxFutureMs);
  }
  for (const r of result.rejected) {
    expect(REJECTION_REASONS).toContain(r.reason);
    expect(r.detail.length).toBeGreaterThan(0);
    // The sensor a rejection is charged to is a valid id this publisher may speak for: it becomes a tag in the store.
    expect(r.sensorId).toMatch(ID);
    expect(publisherMaySpeakFor(topic, r.sensorId!)).toBe(true);
    // …and the dead letter ingest builds from it is on contract.
    const entry = { ...r, mqttTopic: `traffic/v1/${topic}/telemetry`, clientId: null, receivedAt: new Date(NOW).toISOString(), payload: payload.subarray(0, 4096).toString('utf8'), payloadTruncated: payload.length > 4096 };
    expect(deadLetterSchema.safeParse(entry).success).toBe(true);
  }
}

describe('validateTelemetry on hostile input (fast-check)', () => {
  it('when any message arrives (bytes, JSON, near-valid readings, batches), then it never throws and each reading is either a valid normalised reading or a dead letter with a reason', () => {
    fc.assert(
      fc.property(message, ({ topic, payload }) => {
        const result = validateTelemetry(topic, payload, ctx);
        checkOutcome(topic, payload, result);
      }),
      { numRuns: 400 },
    );
  });

  it('when a reading is valid but for one hostile id, then it is rejected (never accepted with that id)', () => {
    fc.assert(
      fc.property(hostileString.filter((h) => !ID.test(h)), fc.constantFrom('sensorId', 'segmentId'), (hostile, field) => {
        const reading = { sensorId: 's1', segmentId: SEGMENTS[0], ts: NOW, intervalS: 60, counts: { car: 1 }, [field]: field === 'sensorId' ? hostile : hostile };
        const result = validateTelemetry('s1', Buffer.from(JSON.stringify(reading)), ctx);
        expect(result.accepted).toEqual([]);
        expect(result.rejected).toHaveLength(1);
        expect(result.rejected[0]!.sensorId).toBe('s1');
      }),
      { numRuns: 300 },
    );
  });

  it('when a gateway claims a sub-sensor whose name is not a valid id, then the rejection is charged to the gateway (no made-up tag reaches the store)', () => {
    fc.assert(
      fc.property(hostileString.filter((h) => !ID.test(`gw7.${h}`)), (h) => {
        const reading = { sensorId: `gw7.${h}`, segmentId: SEGMENTS[0], ts: NOW, intervalS: 60, counts: { car: 1 } };
        const result = validateTelemetry('gw7', Buffer.from(JSON.stringify([reading])), ctx);
        expect(result.rejected.map((r) => [r.reason, r.sensorId])).toEqual([['schema', 'gw7']]);
      }),
      { numRuns: 200 },
    );
  });
});
