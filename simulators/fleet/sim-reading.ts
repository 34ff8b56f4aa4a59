import { VEHICLE_CLASSES, type VehicleClass, type VehicleCounts } from '../../shared/contract/vehicle-classes.ts';
import type { PcuWeights } from '../../shared/traffic/pcu.ts';
import type { Prng } from '../model/prng.ts';
import type { SegmentConditions } from '../model/traffic-model.ts';
import { meanPcuPerVehicle, splitByMix, type VehicleMix } from '../model/vehicle-mix.ts';
import type { Detector } from './layout.ts';

/** A reading as the simulator produces it: DESIGN §3 fields, ts as epoch ms. */
export interface SimReading {
  sensorId: string;
  segmentId: string;
  ts: number;
  intervalS: number;
  lane: number;
  stationId: string;
  /** Only the classes the mix has; a negative count marks a deliberately malformed reading. */
  counts: Partial<VehicleCounts>;
  speedKmh: number | null;
  occupancy: number;
  seq: number;
}

/** Effective detector length per passenger-car unit: a 4.5 m car plus a 1 m detection zone. */
const METRES_PER_PCU = 5.5;
/** Share of a lane's normal flow that still passes a detector in a lane closed by an incident. */
const BLOCKED_LANE_SHARE = 0.05;
const SPEED_NOISE = 0.05;
const OCCUPANCY_NOISE = 0.05;

export interface ReadingContext {
  intervalS: number;
  mix: Readonly<VehicleMix>;
  weights: Readonly<PcuWeights>;
  rng: Prng;
}

/**
 * Flow (pcu/h) in one lane at a station `offsetM` along the segment: the segment's flow, spread
 * over its lanes; downstream of an incident's blockage the closed lanes carry almost nothing,
 * while upstream of it the queue stands in every lane.
 */
export function laneFlowPcuPerHour(conditions: SegmentConditions, lane: number, offsetM: number): number {
  const { segment, blockage } = conditions;
  const closed = blockage !== null && offsetM > blockage.offsetM ? blockage.lanes : [];
  const weight = (l: number) => (closed.includes(l) ? BLOCKED_LANE_SHARE : 1);
  let total = 0;
  for (let l = 1; l <= segment.lanes; l++) total += weight(l);
  return (conditions.flowPcuPerHourPerLane * segment.lanes * weight(lane)) / total;
}

/** What a detector counts in the interval ending at `ts`: Poisson vehicles, split by the mix, noisy speed. */
export function makeReading(detector: Detector, conditions: SegmentConditions, ts: number, seq: number, ctx: ReadingContext): SimReading {
  const { rng } = ctx;
  const pcuPerHour = laneFlowPcuPerHour(conditions, detector.lane, detector.offsetM);
  const expected = (pcuPerHour * ctx.intervalS) / 3600 / meanPcuPerVehicle(ctx.mix, ctx.weights);
  const vehicles = rng.poisson(expected);
  const split = splitByMix(vehicles, ctx.mix, rng);
  const counts: Partial<VehicleCounts> = {};
  for (const c of VEHICLE_CLASSES) if (ctx.mix[c] > 0) counts[c as VehicleClass] = split[c];

  const speed = clamp(conditions.speedKmh * (1 + SPEED_NOISE * rng.normal()), 1, 250);
  const density = pcuPerHour / conditions.speedKmh; // pcu/km in this lane
  const occupancy = clamp(((density * METRES_PER_PCU) / 1000) * (1 + OCCUPANCY_NOISE * rng.normal()), 0, 0.98);
  return {
    sensorId: detector.sensorId,
    segmentId: detector.segmentId,
    ts,
    intervalS: ctx.intervalS,
    lane: detector.lane,
    stationId: detector.stationId,
    counts,
    // DESIGN §3: omitted or null when no vehicle passed.
    speedKmh: vehicles > 0 ? round(speed, 1) : null,
    occupancy: round(occupancy, 3),
    seq,
  };
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;
