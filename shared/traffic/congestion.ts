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
  /** Sensors expected on the segment; the record reports max(this, sensors reporting). */
  sensorsKnown: number;
  /** Latest reading of the segment before the window (data quality: how long it has been silent). */
  lastReadingBefore?: number | null;
  weights: Readonly<PcuWeights>;
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
  const head = { segmentId: segment.id, window, from: iso(from), to: iso(to) };
  const tail = { sensorsReporting, sensorsKnown: Math.max(input.sensorsKnown, sensorsReporting) };

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
  const occupancy = timeWeightedOccupancy(detectors);
  const counted = {
    flowVph: round(flow.vph, 1),
    flowPcuph: round(flow.pcuph, 1),
    occupancy: occupancy === null ? null : round(occupancy, 3),
  };
  if (flow.vehicles === 0) {
    // DESIGN §5: sensors reporting but no vehicle → free flow (r = 1, LOS A, flow 0).
    return { ...counted, speedKmh: null, densityPcuPerKmLane: 0, speedRatio: 1, tti: 1, congestionPct: 0, jamFactor: 0, los: 'A' };
  }
  // DESIGN §5: flow-weighted harmonic mean over the readings with vehicles and a speed.
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

/**
 * DESIGN §5: per detector s (a sensor's lane), O_s = Σ intervalS and q_s = Σ counts × 3600 / O_s
 * (veh/h, and pcu/h with PCU-weighted counts); the segment flow is Σ over its detectors. A sensor
 * that reports several lanes is one detector per lane, else its lanes' seconds would add up and
 * divide its flow by the number of lanes.
 */
function segmentFlow(detectors: readonly DetectorTotals[], weights: Readonly<PcuWeights>) {
  let vehicles = 0;
  let vph = 0;
  let pcuph = 0;
  for (const d of detectors) {
    const n = vehicleTotal(d.counts);
    vehicles += n;
    vph += (n * 3600) / d.seconds;
    pcuph += (pcuTotal(d.counts, weights) * 3600) / d.seconds;
  }
  return { vehicles, vph, pcuph };
}

/** DESIGN §5: Σ occ_i × intervalS_i / Σ intervalS_i over readings with occupancy; null if none. */
function timeWeightedOccupancy(detectors: readonly DetectorTotals[]): number | null {
  const seconds = sum(detectors, (d) => d.occupancySeconds);
  return seconds > 0 ? sum(detectors, (d) => d.occupancyWeighted) / seconds : null;
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
