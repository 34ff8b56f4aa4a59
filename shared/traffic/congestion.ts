import { WINDOWS, type CongestionRecord, type Los, type WindowName } from '../contract/congestion-record.ts';
import type { RoadSegment } from '../network/road-segment.ts';
import type { DetectorTotals } from './detector-totals.ts';
import { highwayLos, urbanLos } from './los.ts';
import { pcuTotal, vehicleTotal, type PcuWeights } from './pcu.ts';
import { harmonicMean } from './speed.ts';

export interface CongestionInput {
  segment: RoadSegment;
  window: WindowName;
  /** Window end, epoch ms (exclusive). */
  to: number;
  /** The segment's detectors over the window [to − W, to): a store's detectorTotals, or detectorTotalsOf(readings). */
  detectors: readonly DetectorTotals[];
  /**
   * Sensors seen on the segment lately; the record reports the largest of this, the detectors the
   * network declares (declaredDetectors) and the sensors reporting.
   */
  sensorsKnown: number;
  /** Latest reading of the segment before the window (data quality: how long it has been silent). */
  lastReadingBefore?: number | null;
  weights: Readonly<PcuWeights>;
  /** Sensors judged faulty now (sensor health); omitted: health unknown, sensorsFaulty null. */
  faultySensors?: ReadonlySet<string>;
}

type Measured = Pick<
  CongestionRecord,
  | 'flowVph' | 'flowPcuph' | 'speedKmh' | 'occupancy' | 'densityPcuPerKmLane'
  | 'speedRatio' | 'tti' | 'congestionPct' | 'jamFactor' | 'los'
>;

const SPEED_DERIVED_NULL = {
  speedKmh: null, densityPcuPerKmLane: null, speedRatio: null, tti: null,
  congestionPct: null, jamFactor: null, los: null,
} as const;

/** The DESIGN §5 congestion record of one segment for the window [to − W, to). */
export function computeCongestion(input: CongestionInput): CongestionRecord {
  const { segment, window, to } = input;
  const from = to - WINDOWS[window];
  const { detectors } = input;
  const sensorsReporting = new Set(detectors.map((d) => d.sensorId)).size;
  const stationsReporting = new Set(detectors.map((d) => d.stationId)).size;
  const head = { segmentId: segment.id, window, from: iso(from), to: iso(to) };
  const tail = {
    sensorsReporting,
    sensorsKnown: Math.max(input.sensorsKnown, declaredDetectors(segment, detectors), sensorsReporting),
    stationsReporting,
    sensorsFaulty: faultyReporting(detectors, input.faultySensors),
  };

  if (detectors.length === 0) {
    // DESIGN §5: no reading at all → no_data, every measured field null (never LOS A).
    const none: Measured = { flowVph: null, flowPcuph: null, occupancy: null, ...SPEED_DERIVED_NULL };
    const before = input.lastReadingBefore ?? null;
    return { ...head, status: 'no_data', ...none, ...tail, lastReadingAt: before === null ? null : iso(before) };
  }
  const lastReadingAt = iso(detectors.reduce((max, d) => Math.max(max, d.lastTs), -Infinity));
  return { ...head, status: 'ok', ...measure(segment, detectors, input.weights), ...tail, lastReadingAt };
}

function measure(segment: RoadSegment, detectors: readonly DetectorTotals[], weights: Readonly<PcuWeights>): Measured {
  const flow = segmentFlow(detectors, weights);
  const counted = {
    flowVph: round(flow.vph, 1),
    flowPcuph: round(flow.pcuph, 1),
    occupancy: flow.occupancy === null ? null : round(flow.occupancy, 3),
  };
  if (flow.vehicles === 0) {
    // DESIGN §5: sensors reporting but no vehicle → free flow (r = 1, LOS A, flow 0).
    return { ...counted, speedKmh: null, densityPcuPerKmLane: 0, speedRatio: 1, tti: 1, congestionPct: 0, jamFactor: 0, los: 'A' };
  }
  // DESIGN §5: flow-weighted harmonic mean over all the readings with vehicles and a speed (every station).
  const speed = harmonicMean(sum(detectors, (d) => d.speedVehicles), sum(detectors, (d) => d.speedHours));
  // Counting-only detectors: flows are known, everything derived from speed is not.
  if (speed === null) return { ...counted, ...SPEED_DERIVED_NULL };

  // DESIGN §5: k = PCU flow / lanes / v; r = v / free-flow (capped at 1); TTI = 1 / r.
  const density = flow.pcuph / segment.lanes / speed;
  const ratio = Math.min(1, speed / segment.freeFlowKmh);
  const tti = 1 / ratio;
  // LOS from the unrounded values, so rounding never moves a segment across a boundary.
  const los: Los = segment.kind === 'urban' ? urbanLos(ratio) : highwayLos(density);
  return {
    ...counted,
    speedKmh: round(speed, 1),
    densityPcuPerKmLane: round(density, 2),
    speedRatio: round(ratio, 3),
    tti: round(tti, 3),
    congestionPct: round((tti - 1) * 100, 1),
    jamFactor: round(10 * (1 - ratio), 1),
    los,
  };
}

/** One measurement station's sums over the window (DESIGN §5). */
interface StationSums {
  vph: number;
  pcuph: number;
  occupancySeconds: number;
  occupancyWeighted: number;
}

/** The stations (cross-sections) that reported in the window, each with its lanes' sums. */
function stationsOf(detectors: readonly DetectorTotals[], weights: Readonly<PcuWeights>): Map<string | null, StationSums> {
  const stations = new Map<string | null, StationSums>();
  for (const d of detectors) {
    let s = stations.get(d.stationId);
    if (!s) stations.set(d.stationId, (s = { vph: 0, pcuph: 0, occupancySeconds: 0, occupancyWeighted: 0 }));
    // Per detector s (a sensor's lane): O_s = Σ intervalS, q_s = Σ counts × 3600 / O_s; a station's flow is Σ over its lanes.
    s.vph += (vehicleTotal(d.counts) * 3600) / d.seconds;
    s.pcuph += (pcuTotal(d.counts, weights) * 3600) / d.seconds;
    s.occupancySeconds += d.occupancySeconds;
    s.occupancyWeighted += d.occupancyWeighted;
  }
  return stations;
}

/**
 * DESIGN §5: the segment flow (veh/h and pcu/h) is the mean of its stations' flows — never their
 * sum, since the same vehicles pass every cross-section of the segment — and its occupancy the mean
 * of each station's time-weighted lane occupancy Σ occ_i × intervalS_i / Σ intervalS_i (stations
 * without an occupancy measurement left out; null if none has one). A sensor that reports several
 * lanes is one detector per lane, else its lanes' seconds would add up and divide its flow by the
 * number of lanes. With one station (the common case) these are the station's own flow and occupancy.
 */
function segmentFlow(detectors: readonly DetectorTotals[], weights: Readonly<PcuWeights>) {
  const stations = [...stationsOf(detectors, weights).values()];
  const withOccupancy = stations.filter((s) => s.occupancySeconds > 0);
  return {
    vehicles: sum(detectors, (d) => vehicleTotal(d.counts)),
    vph: sum(stations, (s) => s.vph) / stations.length,
    pcuph: sum(stations, (s) => s.pcuph) / stations.length,
    occupancy: withOccupancy.length > 0 ? sum(withOccupancy, (s) => s.occupancyWeighted / s.occupancySeconds) / withOccupancy.length : null,
  };
}

/** Distinct reporting sensors in the faulty set; null when health is unknown. */
function faultyReporting(detectors: readonly DetectorTotals[], faulty: ReadonlySet<string> | undefined): number | null {
  if (!faulty) return null;
  return new Set(detectors.filter((d) => faulty.has(d.sensorId)).map((d) => d.sensorId)).size;
}

/**
 * Detectors the road network expects on the segment: the lanes of its declared stations, plus the
 * sensors reporting from stations it does not declare (stations are added in the field before the
 * network file is updated). 0 when the network declares no station for the segment.
 */
function declaredDetectors(segment: RoadSegment, detectors: readonly DetectorTotals[]): number {
  const declared = segment.stations;
  if (!declared || declared.length === 0) return 0;
  const ids = new Set(declared.map((s) => s.id));
  const undeclared = new Set(detectors.filter((d) => d.stationId === null || !ids.has(d.stationId)).map((d) => d.sensorId));
  return sum(declared, (s) => s.lanes) + undeclared.size;
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
