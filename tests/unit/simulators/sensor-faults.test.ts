import { describe, expect, it } from 'vitest';
import { loadRoadNetwork } from '../../../shared/network/load-network.ts';
import { defaultFleetConfig, FleetGenerator } from '../../../simulators/fleet/fleet-generator.ts';
import { SENSOR_FAULT_KINDS, type SensorFaultKind } from '../../../simulators/fleet/sensor-faults.ts';
import type { SimReading } from '../../../simulators/fleet/sim-reading.ts';

const network = loadRoadNetwork();
const T0 = Date.UTC(2026, 0, 5, 0, 0, 0); // 07:00 local: traffic on every lane
const counts = { stuck: 2, dropout: 2, duplicate: 2, implausible: 2, silent: 1, offline: 1 };

function fleet(seed = 3) {
  const g = new FleetGenerator(network, defaultFleetConfig(network, {
    seed, sensors: 60, intervalS: 30, gateways: { share: 0.5, stationsPerGateway: 2 }, sensorFaults: { counts, fromTick: 10 },
  }));
  const sent = new Map<string, SimReading[]>();
  const statuses: string[] = [];
  for (let k = 0; k < 20; k++) {
    const tick = g.tick(T0 + k * 30_000);
    for (const m of tick.messages) {
      if (m.topic.endsWith('/status')) statuses.push(`${k}:${m.topic}:${m.payload}`);
      for (const u of m.units) sent.set(u.reading.sensorId, [...(sent.get(u.reading.sensorId) ?? []), u.reading]);
    }
  }
  return { g, sent, statuses };
}

describe('sensor faults in the fleet simulator', () => {
  const { g, sent, statuses } = fleet();
  const of = (kind: SensorFaultKind) => g.sensorFaults.byKind()[kind];
  const detector = new Map(g.layout.detectors.map((d) => [d.sensorId, d]));

  it('when counts are asked for, then exactly that many detectors get each fault, at most one per segment, deterministic from the seed', () => {
    for (const k of SENSOR_FAULT_KINDS) expect(of(k), k).toHaveLength(counts[k]);
    const segments = [...g.sensorFaults.assigned.keys()].map((id) => detector.get(id)!.segmentId);
    expect(new Set(segments).size).toBe(segments.length);
    expect(fleet().g.sensorFaults.byKind()).toEqual(g.sensorFaults.byKind());
    expect(fleet(4).g.sensorFaults.byKind()).not.toEqual(g.sensorFaults.byKind());
  });

  it('when a detector is stuck, then from its first reading with vehicles it repeats counts, speed and occupancy, with new ts and seq', () => {
    for (const id of of('stuck')) {
      const rs = sent.get(id)!;
      const i = rs.findIndex((r) => r.speedKmh !== null);
      const rest = rs.slice(i);
      expect(rest.length).toBeGreaterThanOrEqual(10);
      for (const r of rest) expect([r.counts, r.speedKmh, r.occupancy]).toEqual([rest[0]!.counts, rest[0]!.speedKmh, rest[0]!.occupancy]);
      expect(new Set(rest.map((r) => r.seq)).size).toBe(rest.length);
      // Its segment has another detector, which varies.
      expect(g.layout.detectors.filter((d) => d.segmentId === detector.get(id)!.segmentId).length).toBeGreaterThan(1);
    }
  });

  it('when a detector drops out or duplicates, then every 4th seq is missing, or every 5th is sent twice', () => {
    for (const id of of('dropout')) expect(sent.get(id)!.map((r) => r.seq)).toEqual([0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18]);
    for (const id of of('duplicate')) expect(sent.get(id)!.map((r) => r.seq)).toEqual([0, 1, 2, 2, 3, 4, 5, 6, 7, 7, 8, 9, 10, 11, 12, 12, 13, 14, 15, 16, 17, 17, 18, 19]);
  });

  it('when a detector is implausible, then every reading counts over 3,000 pcu/h in its lane', () => {
    for (const id of of('implausible')) for (const r of sent.get(id)!) expect(((r.counts.car ?? 0) * 3600) / r.intervalS).toBeGreaterThan(3000);
  });

  it('when a detector goes silent or offline, then it sends its first 10 readings only; the offline one says so on its own status topic', () => {
    for (const id of [...of('silent'), ...of('offline')]) expect(sent.get(id)!.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [offline] = of('offline');
    expect(statuses).toEqual([`10:traffic/v1/${offline}/status:{"state":"offline","source":"roadpulse-simulator"}`]);
    expect(g.gateways.get(detector.get(offline!)!.gatewayId)!.batches).toBe(false);
  });

  it('when more faulty detectors are asked for than segments allow, then it says so', () => {
    expect(() => new FleetGenerator(network, defaultFleetConfig(network, { sensors: 4, sensorFaults: { counts: { silent: 3 }, fromTick: 1 } }))).toThrow(/not enough detectors for silent=3/);
  });
});
