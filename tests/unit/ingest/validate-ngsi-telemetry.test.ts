import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES } from '../../../shared/contract/telemetry.ts';
import { loadRoadNetwork } from '../../../shared/network/load-network.ts';
import { validateNgsiTelemetry } from '../../../services/ingest/validate-ngsi-telemetry.ts';
import type { ValidationContext } from '../../../services/ingest/validate-telemetry.ts';

const NOW = Date.parse('2026-03-01T08:00:00Z');
const ctx: ValidationContext = { network: loadRoadNetwork(), now: NOW, maxAgeMs: 7 * 24 * 3600_000, maxFutureMs: 300_000 };
const iso = (ms: number): string => new Date(ms).toISOString();

const entity = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'urn:ngsi-ld:TrafficFlowObserved:loop-7:1',
  type: 'TrafficFlowObserved',
  refRoadSegment: 'urn:ngsi-ld:RoadSegment:ql13-nb-01',
  dateObserved: iso(NOW - 60_000),
  dateObservedFrom: iso(NOW - 60_000),
  dateObservedTo: iso(NOW),
  intensity: 40,
  vehicleType: 'motorcycle',
  averageVehicleSpeed: 35,
  occupancy: 0.12,
  laneId: 2,
  ...overrides,
});
const send = (body: unknown, topicId = 'loop-7') => validateNgsiTelemetry(topicId, Buffer.from(JSON.stringify(body)), ctx);

describe('ingest of TrafficFlowObserved on traffic/v1/{sensorId}/ngsi', () => {
  it('when a valid entity arrives, then it is accepted as the normalised reading v1', () => {
    expect(send(entity())).toEqual({
      accepted: [{
        sensorId: 'loop-7', segmentId: 'ql13-nb-01', ts: NOW, intervalS: 60, lane: 2, stationId: null,
        counts: { motorbike: 40, car: 0, bus: 0, truck: 0, bicycle: 0, other: 0 }, speedKmh: 35, occupancy: 0.12, seq: null,
      }],
      rejected: [],
    });
  });

  it('when the payload is not JSON or too large, then the whole message is rejected with the /telemetry reasons', () => {
    expect(validateNgsiTelemetry('loop-7', Buffer.from('{"type":'), ctx).rejected).toMatchObject([{ reason: 'invalid_json', sensorId: 'loop-7', batchIndex: null }]);
    expect(validateNgsiTelemetry('loop-7', Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20), ctx).rejected).toMatchObject([{ reason: 'too_large' }]);
  });

  it('when an entity cannot be mapped, then it is rejected as schema with the mapping problem as detail', () => {
    const result = send(entity({ refRoadSegment: undefined }));
    expect(result.accepted).toEqual([]);
    expect(result.rejected).toEqual([{ reason: 'schema', detail: expect.stringMatching(/refRoadSegment/), sensorId: 'loop-7', batchIndex: null }]);
  });

  it('when the mapped reading breaks the v1 rules, then it gets the v1 reason: unknown_segment, future_ts, stale_ts, topic_mismatch, schema', () => {
    const reasonOf = (e: Record<string, unknown>, topic = 'loop-7') => send(e, topic).rejected.map((r) => r.reason);
    expect(reasonOf(entity({ refRoadSegment: 'urn:ngsi-ld:RoadSegment:nowhere' }))).toEqual(['unknown_segment']);
    expect(reasonOf(entity({ dateObservedFrom: iso(NOW + 3_600_000), dateObservedTo: iso(NOW + 3_660_000) }))).toEqual(['future_ts']);
    expect(reasonOf(entity({ dateObservedFrom: iso(NOW - 9 * 86_400_000), dateObservedTo: iso(NOW - 9 * 86_400_000 + 60_000) }))).toEqual(['stale_ts']);
    expect(reasonOf(entity({ refDevice: 'urn:ngsi-ld:Device:someone-else' }))).toEqual(['topic_mismatch']);
    expect(reasonOf(entity({ occupancy: 1.4 }))).toEqual(['schema']); // the model's own bound, and v1's
    expect(reasonOf(entity({ laneId: 40 }))).toEqual(['schema']); // v1: lane 1–16
  });

  it('when a batch mixes good and bad entities, then each bad one is rejected with its index and the good ones go on', () => {
    const result = send([entity(), entity({ intensity: -1 }), entity({ laneId: 3 }), entity({ refRoadSegment: 'x' })]);
    expect(result.accepted.map((r) => r.lane)).toEqual([2, 3]);
    expect(result.rejected.map((r) => [r.batchIndex, r.reason])).toEqual([[1, 'schema'], [3, 'unknown_segment']]);
  });
});
