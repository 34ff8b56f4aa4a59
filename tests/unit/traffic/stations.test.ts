import { describe, expect, it } from 'vitest';
import type { CongestionRecord } from '../../../shared/contract/congestion-record.ts';
import type { Reading } from '../../../shared/contract/telemetry.ts';
import { emptyCounts, type VehicleCounts } from '../../../shared/contract/vehicle-classes.ts';
import type { RoadSegment } from '../../../shared/network/road-segment.ts';
import { computeCongestion } from '../../../shared/traffic/congestion.ts';
import { detectorTotalsOf } from '../../../shared/traffic/detector-totals.ts';
import { DEFAULT_PCU_WEIGHTS } from '../../../shared/traffic/pcu.ts';

/*
 * Measurement stations (issue 11, DESIGN §5): a segment with two cross-sections of 3 lanes each,
 * urban, free flow 60 km/h, window 1m, one 60-s reading per lane detector, every vehicle at 27 km/h.
 *
 *   station A: lane 1 10 cars (600 veh/h), lane 2 20 cars (1200), lane 3 30 motorbikes (1800 veh/h, 540 pcu/h)
 *              → 3600 veh/h, 2340 pcu/h; occupancy (0.1 + 0.2 + 0.3) / 3 = 0.2
 *   station B: lane 1 12 cars (720), lane 2 18 cars (1080), lane 3 40 motorbikes (2400 veh/h, 720 pcu/h)
 *              → 4200 veh/h, 2520 pcu/h; occupancy (0.3 + 0.4 + 0.5) / 3 = 0.4
 *   segment:   flow = mean over stations = 3900 veh/h, 2430 pcu/h (a sum would say 7800 and 4860);
 *              v = 27 km/h; k = 2430 / 3 / 27 = 30 pcu/km/lane; occupancy (0.2 + 0.4) / 2 = 0.3;
 *              r = 27 / 60 = 0.45 → urban LOS D (0.40 < r ≤ 0.50); TTI 2.222; congestion 122.2 %; jam factor 5.5
 */
const T = Date.UTC(2026, 11, 4, 8, 0, 0);

const segment: RoadSegment = {
  id: 'seg-st', name: 'Đại lộ Bình Dương', road: 'QL13', direction: 'northbound', lanes: 3, lengthM: 2000, freeFlowKmh: 60,
  capacityPcuPerHourPerLane: 1800, kind: 'urban', coordinates: [[106.65, 10.98], [106.66, 10.99]],
};

function lane(stationId: string | null, laneNo: number, counts: Partial<VehicleCounts>, occupancy: number | null): Reading {
  const station = stationId ?? 'default';
  return {
    sensorId: `${station}-l${laneNo}`, segmentId: segment.id, ts: T - 30_000, intervalS: 60, lane: laneNo, stationId,
    counts: { ...emptyCounts(), ...counts }, speedKmh: 27, occupancy, seq: null,
  };
}

const stationA = (id: string | null = 'st-a') => [
  lane(id, 1, { car: 10 }, 0.1), lane(id, 2, { car: 20 }, 0.2), lane(id, 3, { motorbike: 30 }, 0.3),
];
const stationB = (id = 'st-b') => [lane(id, 1, { car: 12 }, 0.3), lane(id, 2, { car: 18 }, 0.4), lane(id, 3, { motorbike: 40 }, 0.5)];

function compute(readings: Reading[], seg: RoadSegment = segment, sensorsKnown = 0): CongestionRecord {
  return computeCongestion({
    segment: seg, window: '1m', to: T, detectors: detectorTotalsOf(readings, { from: T - 60_000, to: T }), sensorsKnown,
    weights: DEFAULT_PCU_WEIGHTS,
  });
}

describe('congestion of a segment with several measurement stations (DESIGN §5)', () => {
  it('when 2 stations × 3 lanes report, then the segment gets the mean of the stations’ flows (not their sum), its density and occupancy', () => {
    const record = compute([...stationA(), ...stationB()]);
    expect(record).toMatchObject({
      status: 'ok', flowVph: 3900, flowPcuph: 2430, speedKmh: 27, occupancy: 0.3, densityPcuPerKmLane: 30,
      speedRatio: 0.45, tti: 2.222, congestionPct: 122.2, jamFactor: 5.5, los: 'D',
      sensorsReporting: 6, sensorsKnown: 6, stationsReporting: 2,
    });
  });

  it('when a segment has one station, then the numbers are those of today’s single cross-section, to the decimal', () => {
    const named = compute(stationA('st-a'));
    const unnamed = compute(stationA(null));
    // Station A alone: 3600 veh/h, 2340 pcu/h, occupancy 0.2, k = 2340 / 3 / 27 = 28.89.
    expect(named).toMatchObject({ flowVph: 3600, flowPcuph: 2340, occupancy: 0.2, densityPcuPerKmLane: 28.89, stationsReporting: 1 });
    expect(unnamed).toEqual(named);
  });

  it('when one station stops reporting, then stationsReporting drops and the segment takes the flow of the station still reporting', () => {
    const both = compute([...stationA(), ...stationB()]);
    const onlyB = compute(stationB());
    expect(both.stationsReporting).toBe(2);
    expect(onlyB).toMatchObject({ stationsReporting: 1, sensorsReporting: 3, flowVph: 4200, flowPcuph: 2520, occupancy: 0.4 });
    // k = 2520 / 3 / 27 = 31.11
    expect(onlyB.densityPcuPerKmLane).toBe(31.11);
  });

  it('when readings name no station and others name one, then the unnamed ones are the segment’s default station', () => {
    const record = compute([...stationA(null), ...stationB()]);
    expect(record).toMatchObject({ stationsReporting: 2, flowVph: 3900, flowPcuph: 2430 });
  });

  it('when a station measures no occupancy, then the segment occupancy is the mean over the stations that do', () => {
    const noOccupancy = stationB().map((r) => ({ ...r, occupancy: null }));
    expect(compute([...stationA(), ...noOccupancy])).toMatchObject({ occupancy: 0.2, flowVph: 3900 });
  });

  it('when the network declares the segment’s stations, then sensorsKnown counts their lanes, plus detectors at undeclared stations', () => {
    const declared: RoadSegment = {
      ...segment,
      stations: [{ id: 'st-a', offsetM: 300, lanes: 3 }, { id: 'st-b', offsetM: 900, lanes: 3 }, { id: 'st-c', offsetM: 1600, lanes: 3 }],
    };
    // st-c is silent: 9 lanes declared, 6 reporting.
    expect(compute([...stationA(), ...stationB()], declared)).toMatchObject({ sensorsReporting: 6, sensorsKnown: 9, stationsReporting: 2 });
    // A station added in the field before the network file knows it: accepted, and its lane counted.
    const field = lane('st-new', 1, { car: 6 }, 0.1);
    expect(compute([...stationA(), field], declared)).toMatchObject({ sensorsReporting: 4, sensorsKnown: 10, stationsReporting: 2 });
    // What the store saw lately still wins when it is more.
    expect(compute(stationA(), declared, 12).sensorsKnown).toBe(12);
  });
});
