import { describe, expect, it } from 'vitest';
import { loadRoadNetwork } from '../../../shared/network/load-network.ts';
import { resolveSimulateOptions } from '../../../simulators/cli/simulate-options.ts';
import { joinDashValues } from '../../../simulators/cli/option-parsers.ts';
import { layoutFleet } from '../../../simulators/fleet/layout.ts';
import { laneFlowPcuPerHour } from '../../../simulators/fleet/sim-reading.ts';
import type { SegmentConditions } from '../../../simulators/model/traffic-model.ts';

const network = loadRoadNetwork();
const ql13 = network.segments.filter((s) => s.id.startsWith('ql13-nb-'));
const nb04 = network.byId.get('ql13-nb-04')!;

describe('simulator layout: measurement stations (issue 11)', () => {
  it('when 400 detectors go on the 7 QL13 segments, then each lane of a station shares its station id and the stations stand evenly along the segment', () => {
    const layout = layoutFleet(ql13, { sensors: 400, share: 1, stationsPerGateway: 1 });
    const on04 = layout.detectors.filter((d) => d.segmentId === 'ql13-nb-04');
    const stations = new Map<string, number[]>();
    for (const d of on04) stations.set(d.stationId, [...(stations.get(d.stationId) ?? []), d.offsetM]);
    expect(stations.size).toBeGreaterThanOrEqual(19);
    for (const [id, offsets] of stations) {
      expect(id).toMatch(/^ql13-nb-04\.s\d+$/);
      expect(new Set(offsets).size).toBe(1); // one cross-section: every lane at the same place
      expect(offsets.length).toBeLessThanOrEqual(3);
    }
    const spacing = nb04.lengthM / stations.size;
    const sorted = [...stations.values()].map((o) => o[0]!).sort((a, b) => a - b);
    expect(sorted[0]).toBe(Math.round(spacing / 2));
    expect(sorted.at(-1)!).toBeLessThan(nb04.lengthM);
    // 2475 m / 19 stations ≈ 130 m apart: the layout says so instead of pretending.
    expect(layout.crowded.find((c) => c.segmentId === 'ql13-nb-04')).toMatchObject({ stations: stations.size, spacingM: Math.round(spacing) });
  });

  it('when the default 21 detectors go on QL13, then each segment has one station in its middle and nothing is crowded', () => {
    const layout = layoutFleet(ql13, { sensors: 21, share: 1, stationsPerGateway: 1 });
    expect(layout.crowded).toEqual([]);
    expect(new Set(layout.detectors.map((d) => d.stationId)).size).toBe(7);
    expect(layout.detectors.find((d) => d.segmentId === 'ql13-nb-04')!.offsetM).toBe(Math.round(nb04.lengthM / 2));
  });
});

describe('simulator: an incident seen from stations up- and downstream of the blockage', () => {
  const conditions: SegmentConditions = {
    segment: nb04, flowPcuPerHourPerLane: 1000, speedKmh: 10, queueShare: 0.6, blockage: { lanes: [1], offsetM: 800 },
  };

  it('when a station stands downstream of the blockage, then the closed lane carries almost nothing and the others carry the flow', () => {
    const lanes = [1, 2, 3].map((l) => laneFlowPcuPerHour(conditions, l, 1200));
    expect(lanes[0]).toBeLessThan(0.1 * conditions.flowPcuPerHourPerLane);
    expect(lanes[1]).toBeGreaterThan(1400);
    expect(lanes.reduce((a, b) => a + b, 0)).toBeCloseTo(3000, 6);
  });

  it('when a station stands upstream of the blockage, then the queue stands in every lane', () => {
    expect([1, 2, 3].map((l) => laneFlowPcuPerHour(conditions, l, 400))).toEqual([1000, 1000, 1000]);
  });
});

describe('simulator options: a relative time after an option (issue 11, item 5)', () => {
  it('when --backfill is followed by a value starting with a dash, then it is the option’s value, as the help shows', () => {
    const now = Date.UTC(2026, 11, 4, 3, 0, 0);
    const spaced = resolveSimulateOptions(['--backfill', '-20m..now'], now, network);
    const joined = resolveSimulateOptions(['--backfill=-20m..now'], now, network);
    if (spaced === 'help' || joined === 'help') throw new Error('unexpected help');
    expect(spaced.plan).toEqual(joined.plan);
    expect(spaced.plan).toMatchObject({ mode: 'backfill', startMs: now - 20 * 60_000, endMs: now });
  });

  it('when --start and --until take relative times with a dash, then both work too', () => {
    const now = Date.UTC(2026, 11, 4, 3, 0, 0);
    const o = resolveSimulateOptions(['--start', '-2h', '--until', '-1h', '--speedup', '60'], now, network);
    if (o === 'help') throw new Error('unexpected help');
    expect(o.plan).toMatchObject({ startMs: now - 2 * 3600_000, endMs: now - 3600_000 });
  });

  it('when a dash value follows a boolean flag or an unknown option, then it is left alone (and the parser judges it)', () => {
    const options = { quiet: { type: 'boolean' }, backfill: { type: 'string' } } as const;
    expect(joinDashValues(['--quiet', '-5'], options)).toEqual(['--quiet', '-5']);
    expect(joinDashValues(['--backfill', '-20m..now', '--quiet'], options)).toEqual(['--backfill=-20m..now', '--quiet']);
    expect(joinDashValues(['--backfill', '--quiet'], options)).toEqual(['--backfill', '--quiet']);
  });
});
