import { describe, expect, it } from 'vitest';
import { WINDOWS, type CongestionRecord, type WindowName } from '../../../shared/contract/congestion-record.ts';
import type { Reading } from '../../../shared/contract/telemetry.ts';
import { emptyCounts, type VehicleCounts } from '../../../shared/contract/vehicle-classes.ts';
import type { RoadSegment } from '../../../shared/network/road-segment.ts';
import { computeCongestion } from '../../../shared/traffic/congestion.ts';
import { detectorTotalsOf } from '../../../shared/traffic/detector-totals.ts';
import { DEFAULT_PCU_WEIGHTS, type PcuWeights } from '../../../shared/traffic/pcu.ts';

const T = Date.UTC(2025, 0, 15, 8, 0, 0); // window end, 2025-01-15T08:00:00.000Z
const S = 1000;

function segment(overrides: Partial<RoadSegment> = {}): RoadSegment {
  return {
    id: 'seg-1', name: 'Đại lộ Bình Dương', road: 'QL13', direction: 'northbound',
    lanes: 2, lengthM: 1000, freeFlowKmh: 50, capacityPcuPerHourPerLane: 1800, kind: 'urban',
    coordinates: [[106.65, 10.98], [106.66, 10.99]],
    ...overrides,
  };
}

type ReadingOverrides = Partial<Omit<Reading, 'counts'>> & { counts?: Partial<VehicleCounts> };
function reading({ counts, ...rest }: ReadingOverrides = {}): Reading {
  return {
    sensorId: 's1', segmentId: 'seg-1', ts: T - 60 * S, intervalS: 60, lane: null,
    counts: { ...emptyCounts(), ...counts }, speedKmh: null, occupancy: null, seq: null,
    ...rest,
  };
}

function compute(
  readings: Reading[],
  opts: { segment?: RoadSegment; window?: WindowName; sensorsKnown?: number; weights?: PcuWeights } = {},
): CongestionRecord {
  const seg = opts.segment ?? segment();
  const window = opts.window ?? '1m';
  return computeCongestion({
    segment: seg,
    window,
    to: T,
    // As the store sums them: the segment's readings in [T − W, T), per detector.
    detectors: detectorTotalsOf(readings.filter((r) => r.segmentId === seg.id), { from: T - WINDOWS[window], to: T }),
    sensorsKnown: opts.sensorsKnown ?? 0,
    weights: opts.weights ?? DEFAULT_PCU_WEIGHTS,
  });
}

describe('computeCongestion (DESIGN §5)', () => {
  it('when 2 sensors count 30 motorbikes + 10 cars each, then flow, speed, density and congestion follow §5', () => {
    // urban, 2 lanes, free flow 50 km/h, window 1m; each sensor one 60 s reading:
    // vehicles 40 → 40 × 3600 / 60 = 2400 veh/h per sensor → 4800 veh/h
    // PCU 30×0.3 + 10×1 = 19 → 19 × 60 = 1140 pcu/h per sensor → 2280 pcu/h
    // speed 30 and 20 km/h: v = 80 / (40/30 + 40/20) = 24 km/h
    // occupancy (0.2×60 + 0.4×60) / 120 = 0.3
    // k = 2280 / 2 / 24 = 47.5; r = 24/50 = 0.48 → LOS D (0.40 < r ≤ 0.50)
    // TTI = 1/0.48 = 2.0833 → 2.083; congestion (2.0833 − 1) × 100 = 108.33 → 108.3; jam 10 × 0.52 = 5.2
    const counts = { motorbike: 30, car: 10 };
    const rec = compute([
      reading({ sensorId: 's1', counts, speedKmh: 30, occupancy: 0.2 }),
      reading({ sensorId: 's2', counts, speedKmh: 20, occupancy: 0.4 }),
    ]);
    expect(rec).toMatchObject({
      segmentId: 'seg-1', window: '1m', status: 'ok', los: 'D',
      from: '2025-01-15T07:59:00.000Z', to: '2025-01-15T08:00:00.000Z',
      lastReadingAt: '2025-01-15T07:59:00.000Z', sensorsReporting: 2, sensorsKnown: 2,
    });
    expect(rec.flowVph).toBeCloseTo(4800, 6);
    expect(rec.flowPcuph).toBeCloseTo(2280, 6);
    expect(rec.speedKmh).toBeCloseTo(24, 6);
    expect(rec.occupancy).toBeCloseTo(0.3, 6);
    expect(rec.densityPcuPerKmLane).toBeCloseTo(47.5, 6);
    expect(rec.speedRatio).toBeCloseTo(0.48, 6);
    expect(rec.tti).toBeCloseTo(2.083, 6);
    expect(rec.congestionPct).toBeCloseTo(108.3, 6);
    expect(rec.jamFactor).toBeCloseTo(5.2, 6);
  });

  it('when PCU weights are configured, then the PCU flow uses them', () => {
    // 30 motorbikes × 0.5 + 10 cars × 1 = 25 pcu in 60 s → 25 × 60 = 1500 pcu/h (vehicles: 40 × 60 = 2400)
    const weights = { ...DEFAULT_PCU_WEIGHTS, motorbike: 0.5 };
    const rec = compute([reading({ counts: { motorbike: 30, car: 10 }, speedKmh: 30 })], { weights });
    expect(rec.flowPcuph).toBeCloseTo(1500, 6);
    expect(rec.flowVph).toBeCloseTo(2400, 6);
  });

  it('when sensors report at different rates or for part of the window, then each flow uses its own observed seconds', () => {
    // window 5m (300 s), all cars @ 40 km/h:
    // s1 every 30 s: 10 readings × 5 cars → O = 300 s, 50 × 3600 / 300 = 600 veh/h (per-reading sums would give 6000)
    // s2 every 60 s: 5 readings × 10 cars → O = 300 s, 50 × 3600 / 300 = 600 veh/h
    // s3 once, 60 s, 10 cars → O = 60 s, 10 × 3600 / 60 = 600 veh/h (dividing by W would give 120)
    // segment: 600 + 600 + 600 = 1800 veh/h
    const readings: Reading[] = [];
    for (let i = 0; i < 10; i++) {
      readings.push(reading({ sensorId: 's1', ts: T - 300 * S + i * 30 * S, intervalS: 30, counts: { car: 5 }, speedKmh: 40 }));
    }
    for (let i = 0; i < 5; i++) {
      readings.push(reading({ sensorId: 's2', ts: T - 300 * S + i * 60 * S, intervalS: 60, counts: { car: 10 }, speedKmh: 40 }));
    }
    readings.push(reading({ sensorId: 's3', ts: T - 60 * S, intervalS: 60, counts: { car: 10 }, speedKmh: 40 }));
    const rec = compute(readings, { window: '5m' });
    expect(rec.flowVph).toBeCloseTo(1800, 6);
    expect(rec.flowPcuph).toBeCloseTo(1800, 6);
    expect(rec.sensorsReporting).toBe(3);
  });

  it('when readings cover different durations, then occupancy is their time-weighted mean', () => {
    // (0.1 × 30 + 0.4 × 60) / (30 + 60) = (3 + 24) / 90 = 0.3 (plain mean: 0.25); the reading without occupancy is left out
    const rec = compute([
      reading({ sensorId: 's1', intervalS: 30, occupancy: 0.1, counts: { car: 5 } }),
      reading({ sensorId: 's2', intervalS: 60, occupancy: 0.4, counts: { car: 5 } }),
      reading({ sensorId: 's3', intervalS: 60, occupancy: null, counts: { car: 5 } }),
    ]);
    expect(rec.occupancy).toBeCloseTo(0.3, 6);
  });

  it('when no reading has an occupancy, then occupancy is null', () => {
    expect(compute([reading({ counts: { car: 5 }, speedKmh: 40 })]).occupancy).toBeNull();
  });

  it('when the segment is a highway, then LOS follows density rather than speed ratio', () => {
    // highway, 3 lanes, free flow 100 km/h; 3 sensors, 60 s, 25 cars + 2 trucks @ 80 km/h each:
    // PCU 25 + 2×2.5 = 30 → 1800 pcu/h per sensor → 5400 pcu/h; vehicles 27 → 1620 → 4860 veh/h
    // k = 5400 / 3 / 80 = 22.5 → LOS E (22 < k ≤ 28), although r = 0.8 would be urban B
    // TTI = 1/0.8 = 1.25, congestion 25 %, jam 10 × 0.2 = 2
    const hw = segment({ kind: 'highway', lanes: 3, freeFlowKmh: 100 });
    const rec = compute(
      ['s1', 's2', 's3'].map((sensorId) => reading({ sensorId, counts: { car: 25, truck: 2 }, speedKmh: 80 })),
      { segment: hw },
    );
    expect(rec.los).toBe('E');
    expect(rec.flowPcuph).toBeCloseTo(5400, 6);
    expect(rec.flowVph).toBeCloseTo(4860, 6);
    expect(rec.densityPcuPerKmLane).toBeCloseTo(22.5, 6);
    expect(rec.speedRatio).toBeCloseTo(0.8, 6);
    expect(rec.tti).toBeCloseTo(1.25, 6);
    expect(rec.congestionPct).toBeCloseTo(25, 6);
    expect(rec.jamFactor).toBeCloseTo(2, 6);
  });

  it('when traffic stands still, then speed counts as 1 km/h and TTI stays finite', () => {
    // 1 lane, free flow 50; 10 cars @ 0 km/h in 60 s → 600 pcu/h; v = 1
    // k = 600 / 1 / 1 = 600; r = 1/50 = 0.02 → LOS F; TTI 50; congestion 4900 %; jam 10 × 0.98 = 9.8
    const rec = compute([reading({ counts: { car: 10 }, speedKmh: 0 })], { segment: segment({ lanes: 1 }) });
    expect(rec.speedKmh).toBeCloseTo(1, 6);
    expect(rec.densityPcuPerKmLane).toBeCloseTo(600, 6);
    expect(rec.speedRatio).toBeCloseTo(0.02, 6);
    expect(rec.tti).toBeCloseTo(50, 6);
    expect(rec.congestionPct).toBeCloseTo(4900, 6);
    expect(rec.jamFactor).toBeCloseTo(9.8, 6);
    expect(rec.los).toBe('F');
  });

  it('when the speed exceeds free flow, then r is capped at 1', () => {
    // 70 / 50 = 1.4 → r = 1, TTI 1, congestion 0, jam 0, LOS A
    const rec = compute([reading({ counts: { car: 10 }, speedKmh: 70 })]);
    expect(rec).toMatchObject({ speedKmh: 70, speedRatio: 1, tti: 1, congestionPct: 0, jamFactor: 0, los: 'A' });
  });

  it('when values have many decimals, then the record rounds each field for readability', () => {
    // 1 lane, free flow 50; 7 cars in 65 s @ 33 km/h, occupancy 0.1234
    // flow 7 × 3600 / 65 = 387.692 → 387.7; k = 387.692 / 33 = 11.748 → 11.75
    // r = 33/50 = 0.66 → LOS C; TTI 1/0.66 = 1.51515 → 1.515; congestion 51.515 → 51.5; jam 3.4; occupancy 0.123
    const rec = compute([reading({ intervalS: 65, counts: { car: 7 }, speedKmh: 33, occupancy: 0.1234 })], {
      segment: segment({ lanes: 1 }),
    });
    expect(rec.flowVph).toBeCloseTo(387.7, 6);
    expect(rec.flowPcuph).toBeCloseTo(387.7, 6);
    expect(rec.densityPcuPerKmLane).toBeCloseTo(11.75, 6);
    expect(rec.speedRatio).toBeCloseTo(0.66, 6);
    expect(rec.tti).toBeCloseTo(1.515, 6);
    expect(rec.congestionPct).toBeCloseTo(51.5, 6);
    expect(rec.jamFactor).toBeCloseTo(3.4, 6);
    expect(rec.occupancy).toBeCloseTo(0.123, 6);
    expect(rec.los).toBe('C');
  });

  it('when the urban speed ratio rounds onto a boundary, then LOS comes from the unrounded ratio', () => {
    // 40.02 / 50 = 0.8004 → emitted 0.8 but LOS A (> 0.80), not B
    const rec = compute([reading({ counts: { car: 10 }, speedKmh: 40.02 })]);
    expect(rec.speedRatio).toBeCloseTo(0.8, 6);
    expect(rec.los).toBe('A');
  });

  it('when the highway density rounds onto a boundary, then LOS comes from the unrounded density', () => {
    // 1 lane; 7 cars in 60 s → 420 pcu/h; k = 420 / 59.96 = 7.0047 → emitted 7.00 but LOS B (> 7), not A
    const hw = segment({ kind: 'highway', lanes: 1, freeFlowKmh: 100 });
    const rec = compute([reading({ counts: { car: 7 }, speedKmh: 59.96 })], { segment: hw });
    expect(rec.densityPcuPerKmLane).toBeCloseTo(7, 6);
    expect(rec.los).toBe('B');
  });

  it.each(['urban', 'highway'] as const)(
    'when %s sensors report but no vehicle passes, then the segment is at free flow with LOS A',
    (kind) => {
      const rec = compute(
        [
          reading({ sensorId: 's1', occupancy: 0, speedKmh: 55 }),
          reading({ sensorId: 's2', occupancy: 0 }),
        ],
        { segment: segment({ kind }), sensorsKnown: 2 },
      );
      expect(rec).toEqual({
        segmentId: 'seg-1', window: '1m', from: '2025-01-15T07:59:00.000Z', to: '2025-01-15T08:00:00.000Z',
        status: 'ok', flowVph: 0, flowPcuph: 0, speedKmh: null, occupancy: 0, densityPcuPerKmLane: 0,
        speedRatio: 1, tti: 1, congestionPct: 0, jamFactor: 0, los: 'A',
        sensorsReporting: 2, sensorsKnown: 2, stationsReporting: 1, sensorsFaulty: null, lastReadingAt: '2025-01-15T07:59:00.000Z',
      });
    },
  );

  it('when vehicles are counted but no speed is measured, then flows are filled and speed-derived fields are null', () => {
    // 10 cars in 60 s → 600 veh/h = 600 pcu/h; occupancy 0.2
    const rec = compute([reading({ counts: { car: 10 }, occupancy: 0.2 })]);
    expect(rec).toMatchObject({
      status: 'ok', flowVph: 600, flowPcuph: 600, occupancy: 0.2,
      speedKmh: null, densityPcuPerKmLane: null, speedRatio: null, tti: null,
      congestionPct: null, jamFactor: null, los: null, sensorsReporting: 1,
    });
  });

  it('when no reading falls in the window, then the status is no_data with every measured field null (never LOS A)', () => {
    const rec = compute(
      [reading({ ts: T - 300 * S - 1, counts: { car: 10 }, speedKmh: 40 }), reading({ ts: T, counts: { car: 10 }, speedKmh: 40 })],
      { window: '5m', sensorsKnown: 3 },
    );
    expect(rec).toEqual({
      segmentId: 'seg-1', window: '5m', from: '2025-01-15T07:55:00.000Z', to: '2025-01-15T08:00:00.000Z',
      status: 'no_data', flowVph: null, flowPcuph: null, speedKmh: null, occupancy: null,
      densityPcuPerKmLane: null, speedRatio: null, tti: null, congestionPct: null, jamFactor: null, los: null,
      sensorsReporting: 0, sensorsKnown: 3, stationsReporting: 0, sensorsFaulty: null, lastReadingAt: null,
    });
  });

  it('when readings lie outside [to − W, to) or belong to another segment, then they are ignored', () => {
    // in: s1 at to − W and s2 at to − 1 ms, 10 cars / 60 s each → 600 + 600 = 1200 veh/h
    // out: s3 at to (half-open end), s4 at to − W − 1 ms, s5 on seg-2 — 1000 cars each would show
    const rec = compute([
      reading({ sensorId: 's1', ts: T - 60 * S, counts: { car: 10 }, speedKmh: 40 }),
      reading({ sensorId: 's2', ts: T - 1, counts: { car: 10 }, speedKmh: 40 }),
      reading({ sensorId: 's3', ts: T, counts: { car: 1000 }, speedKmh: 5 }),
      reading({ sensorId: 's4', ts: T - 60 * S - 1, counts: { car: 1000 }, speedKmh: 5 }),
      reading({ sensorId: 's5', segmentId: 'seg-2', ts: T - 30 * S, counts: { car: 1000 }, speedKmh: 5 }),
    ]);
    expect(rec.flowVph).toBeCloseTo(1200, 6);
    expect(rec.speedKmh).toBeCloseTo(40, 6);
    expect(rec.sensorsReporting).toBe(2);
    expect(rec.lastReadingAt).toBe('2025-01-15T07:59:59.999Z');
  });

  it('when more sensors report than are known, then sensorsKnown is raised to the reporting count', () => {
    const two = [reading({ sensorId: 's1', counts: { car: 1 } }), reading({ sensorId: 's2', counts: { car: 1 } })];
    expect(compute(two, { sensorsKnown: 1 })).toMatchObject({ sensorsReporting: 2, sensorsKnown: 2 });
    expect(compute(two, { sensorsKnown: 5 })).toMatchObject({ sensorsReporting: 2, sensorsKnown: 5 });
  });
});

describe('computeCongestion: data quality of a silent segment', () => {
  it('when no reading is in the window but one came before, then no_data tells when the segment last reported', () => {
    const segment = { id: 'seg-q', name: 'q', road: 'q', direction: 'northbound', lanes: 2, lengthM: 500, freeFlowKmh: 50,
      capacityPcuPerHourPerLane: 1000, kind: 'urban' as const, coordinates: [] as [number, number][] };
    const to = Date.UTC(2026, 0, 1, 8, 0, 0);
    const record = computeCongestion({ segment, window: '5m', to, detectors: [], sensorsKnown: 2, lastReadingBefore: to - 3_600_000,
      weights: DEFAULT_PCU_WEIGHTS });
    expect(record).toMatchObject({ status: 'no_data', los: null, sensorsReporting: 0, sensorsKnown: 2, lastReadingAt: '2026-01-01T07:00:00.000Z' });
  });
});

describe('computeCongestion: one sensor reporting several lanes', () => {
  it('when a sensor reports lanes 1 and 2 over the same minute, then each lane is its own detector and the flows add up', () => {
    const segment = { id: 'seg-l', name: 'l', road: 'l', direction: 'northbound', lanes: 2, lengthM: 500, freeFlowKmh: 50,
      capacityPcuPerHourPerLane: 1000, kind: 'urban' as const, coordinates: [] as [number, number][] };
    const to = Date.UTC(2026, 0, 1, 8, 0, 0);
    const lane = (n: number, cars: number): Reading => ({ sensorId: 'multi', segmentId: 'seg-l', ts: to - 60_000, intervalS: 60, lane: n,
      counts: { ...emptyCounts(), car: cars }, speedKmh: 40, occupancy: 0.1, seq: null });
    // Lane 1: 10 cars in 60 s → 600 veh/h; lane 2: 20 cars in 60 s → 1200 veh/h; segment 1800 veh/h
    // (were the lanes one detector: 30 cars in 120 s → 900 veh/h).
    const record = computeCongestion({ segment, window: '5m', to, detectors: detectorTotalsOf([lane(1, 10), lane(2, 20)], { from: to - 300_000, to }), sensorsKnown: 1, weights: DEFAULT_PCU_WEIGHTS });
    expect(record).toMatchObject({ status: 'ok', flowVph: 1800, flowPcuph: 1800, sensorsReporting: 1 });
  });
});
