import { WINDOWS, type CongestionRecord, type Los, type WindowName } from '../contract/congestion-record.ts';
import type { Reading } from '../contract/telemetry.ts';
import type { RoadSegment } from '../network/road-segment.ts';
import { highwayLos, urbanLos } from './los.ts';
import { pcuTotal, vehicleTotal, type PcuWeights } from './pcu.ts';
import { harmonicMeanSpeed } from './speed.ts';

export interface CongestionInput {
  segment: RoadSegment;
  window: WindowName;
  /** Window end, epoch ms (exclusive). */
  to: number;
  /** May hold readings outside the window or of other segments: they are ignored. */
  readings: readonly Reading[];
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
  // DESIGN §5: a reading counts when its ts falls in [t − W, t).
  const readings = input.readings.filter((r) => r.segmentId === segment.id && r.ts >= from && r.ts < to);
  const sensorsReporting = new Set(readings.map((r) => r.sensorId)).size;
  const head = { segmentId: segment.id, window, from: iso(from), to: iso(to) };
  const tail = { sensorsReporting, sensorsKnown: Math.max(input.sensorsKnown, sensorsReporting) };

  if (readings.length === 0) {
    // DESIGN §5: no reading at all → no_data, every measured field null (never LOS A).
    const none: Measured = { flowVph: null, flowPcuph: null, occupancy: null, ...SPEED_DERIVED_NULL };
    const before = input.lastReadingBefore ?? null;
    return { ...head, status: 'no_data', ...none, ...tail, lastReadingAt: before === null ? null : iso(before) };
  }
  const lastReadingAt = iso(readings.reduce((max, r) => Math.max(max, r.ts), -Infinity));
  return { ...head, status: 'ok', ...measure(segment, readings, input.weights), ...tail, lastReadingAt };
}

function measure(segment: RoadSegment, readings: readonly Reading[], weights: Readonly<PcuWeights>): Measured {
  const flow = segmentFlow(readings, weights);
  const occupancy = timeWeightedOccupancy(readings);
  const counted = {
    flowVph: round(flow.vph, 1),
    flowPcuph: round(flow.pcuph, 1),
    occupancy: occupancy === null ? null : round(occupancy, 3),
  };
  if (flow.vehicles === 0) {
    // DESIGN §5: sensors reporting but no vehicle → free flow (r = 1, LOS A, flow 0).
    return { ...counted, speedKmh: null, densityPcuPerKmLane: 0, speedRatio: 1, tti: 1, congestionPct: 0, jamFactor: 0, los: 'A' };
  }
  const speed = harmonicMeanSpeed(readings);
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
 * DESIGN §5: per sensor s (one lane), O_s = Σ intervalS and q_s = Σ counts × 3600 / O_s (veh/h, and
 * pcu/h with PCU-weighted counts); the segment flow is Σ over its sensors. A sensor that reports
 * several lanes counts as one detector per lane, else its lanes' seconds would add up and divide
 * its flow by the number of lanes.
 */
function segmentFlow(readings: readonly Reading[], weights: Readonly<PcuWeights>) {
  const byDetector = new Map<string, { seconds: number; vehicles: number; pcu: number }>();
  for (const r of readings) {
    const detector = `${r.sensorId}\n${r.lane ?? ''}`;
    const s = byDetector.get(detector) ?? { seconds: 0, vehicles: 0, pcu: 0 };
    s.seconds += r.intervalS;
    s.vehicles += vehicleTotal(r.counts);
    s.pcu += pcuTotal(r.counts, weights);
    byDetector.set(detector, s);
  }
  let vehicles = 0;
  let vph = 0;
  let pcuph = 0;
  for (const s of byDetector.values()) {
    vehicles += s.vehicles;
    vph += (s.vehicles * 3600) / s.seconds;
    pcuph += (s.pcu * 3600) / s.seconds;
  }
  return { vehicles, vph, pcuph };
}

/** DESIGN §5: Σ occ_i × intervalS_i / Σ intervalS_i over readings with occupancy; null if none. */
function timeWeightedOccupancy(readings: readonly Reading[]): number | null {
  let weighted = 0;
  let seconds = 0;
  for (const r of readings) {
    if (r.occupancy === null) continue;
    weighted += r.occupancy * r.intervalS;
    seconds += r.intervalS;
  }
  return seconds > 0 ? weighted / seconds : null;
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
