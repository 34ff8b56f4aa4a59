import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, rawReadingSchema } from '../../../shared/contract/telemetry.ts';
import { MQTT_TELEMETRY } from '../../../shared/contract/topics.ts';
import { loadRoadNetwork } from '../../../shared/network/load-network.ts';
import { publisherMaySpeakFor } from '../../../services/ingest/validate-telemetry.ts';
import type { Unit } from '../../../simulators/fleet/faults.ts';
import { layoutFleet } from '../../../simulators/fleet/layout.ts';
import { encodeMessages, isoWithOffset } from '../../../simulators/fleet/messages.ts';

const network = loadRoadNetwork();
const lanes = network.segments.reduce((n, s) => n + s.lanes, 0);

function unitsFor(sensors: number, share: number, stationsPerGateway: number) {
  const layout = layoutFleet(network.segments, { sensors, share, stationsPerGateway });
  const units: Unit[] = layout.detectors.map((d, i) => ({
    detector: d,
    reading: { sensorId: d.sensorId, segmentId: d.segmentId, ts: 1_741_564_800_000, intervalS: 60, lane: d.lane, stationId: d.stationId, counts: { motorbike: 40, car: 6 }, speedKmh: 41.5, occupancy: 0.12, seq: i },
    fault: null,
    malformed: null,
  }));
  return { layout, units, gateways: new Map(layout.gateways.map((g) => [g.id, g])) };
}

describe('fleet layout', () => {
  it('when asked for N sensors, then there are exactly N, one per lane, covering every segment before doubling up', () => {
    const { detectors } = layoutFleet(network.segments, { sensors: lanes + 5, share: 1, stationsPerGateway: 1 });
    expect(detectors).toHaveLength(lanes + 5);
    expect(new Set(detectors.map((d) => d.sensorId)).size).toBe(lanes + 5);
    expect(new Set(detectors.slice(0, lanes).map((d) => d.segmentId)).size).toBe(network.segments.length);
    for (const d of detectors) expect(d.lane).toBeLessThanOrEqual(network.byId.get(d.segmentId)!.lanes);
  });

  it('when sensors belong to a gateway, then the ingest spoofing rule lets the gateway speak for them', () => {
    const { gateways } = layoutFleet(network.segments, { sensors: 40, share: 1, stationsPerGateway: 4 });
    for (const g of gateways) for (const d of g.detectors) expect(publisherMaySpeakFor(g.id, d.sensorId)).toBe(true);
  });

  it('when the gateway share is 0.5, then exactly half the gateways batch', () => {
    const { gateways } = layoutFleet(network.segments, { sensors: 120, share: 0.5, stationsPerGateway: 1 });
    expect(gateways.filter((g) => g.batches)).toHaveLength(Math.floor(gateways.length / 2));
  });
});

describe('telemetry messages', () => {
  it('when detectors publish alone, then each message is one valid reading on its own topic', () => {
    const { units, gateways } = unitsFor(10, 0, 1);
    const messages = encodeMessages(units, gateways);
    expect(messages).toHaveLength(10);
    for (const m of messages) {
      expect(MQTT_TELEMETRY.exec(m.topic)?.[1]).toBe(m.units[0]!.reading.sensorId);
      expect(rawReadingSchema.safeParse(JSON.parse(m.payload)).success).toBe(true);
    }
  });

  it('when a big gateway batches, then arrays stay under 64 KiB and 500 readings and keep every reading', () => {
    const { units, gateways } = unitsFor(lanes * 3, 1, 1000);
    const messages = encodeMessages(units, gateways);
    expect(messages.length).toBeGreaterThan(1);
    let readings = 0;
    for (const m of messages) {
      const body = JSON.parse(m.payload) as unknown[];
      expect(Buffer.byteLength(m.payload)).toBeLessThan(MAX_PAYLOAD_BYTES);
      expect(body.length).toBeLessThanOrEqual(500);
      for (const r of body) expect(rawReadingSchema.safeParse(r).success).toBe(true);
      readings += body.length;
    }
    expect(readings).toBe(units.length);
  });

  it('when a reading is meant to be invalid JSON, then it travels alone and does not parse', () => {
    const { units, gateways } = unitsFor(3, 1, 1);
    units[1] = { ...units[1]!, fault: 'malformed', malformed: 'invalid_json' };
    const messages = encodeMessages(units, gateways);
    const broken = messages.filter((m) => m.units.some((u) => u.malformed));
    expect(broken).toHaveLength(1);
    expect(broken[0]!.units).toHaveLength(1);
    expect(() => JSON.parse(broken[0]!.payload)).toThrow();
  });

  it('when a gateway stamps ISO times, then they carry the +07:00 offset and the same instant', () => {
    expect(isoWithOffset(Date.parse('2025-03-10T00:00:00Z'), 420)).toBe('2025-03-10T07:00:00.000+07:00');
    expect(Date.parse(isoWithOffset(1_741_564_800_123, 420))).toBe(1_741_564_800_123);
  });
});
