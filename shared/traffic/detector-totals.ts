import type { Reading } from '../contract/telemetry.ts';
import { emptyCounts, type VehicleCounts } from '../contract/vehicle-classes.ts';
import type { TimeRange } from '../ports/store.ts';
import { speedTerms } from './speed.ts';

/**
 * The sums DESIGN §5 needs from one detector (a sensor's lane) over a window: everything a
 * congestion record is computed from. A store can add them up where the readings are (SQL
 * `GROUP BY`), so closing a window never has to hold the window's readings in memory.
 */
export interface DetectorTotals {
  segmentId: string;
  /** The detector's measurement station (cross-section) on the segment; null: the default station. */
  stationId: string | null;
  sensorId: string;
  lane: number | null;
  /** Σ intervalS. */
  seconds: number;
  /** Σ counts per class. */
  counts: VehicleCounts;
  /** Σ n_i over readings with vehicles and a speed (the harmonic mean's numerator). */
  speedVehicles: number;
  /** Σ n_i / max(v_i, MIN_SPEED_KMH) over the same readings (its denominator, in hours·vehicles/km). */
  speedHours: number;
  /** Σ intervalS over readings with occupancy. */
  occupancySeconds: number;
  /** Σ occupancy_i × intervalS_i. */
  occupancyWeighted: number;
  /** Latest ts. */
  lastTs: number;
}

/** The totals of the readings with ts in [from, to), one per detector (segment, station, sensor, lane); other readings are ignored. */
export function detectorTotalsOf(readings: readonly Reading[], range: TimeRange): DetectorTotals[] {
  const byDetector = new Map<string, DetectorTotals>();
  for (const r of readings) {
    if (r.ts < range.from || r.ts >= range.to) continue;
    const key = `${r.segmentId}\n${r.stationId ?? ''}\n${r.sensorId}\n${r.lane ?? ''}`;
    let t = byDetector.get(key);
    if (!t) byDetector.set(key, (t = zeroTotals(r)));
    addReading(t, r);
  }
  return [...byDetector.values()];
}

/** Class by class, written out like vehicleTotal: a loop over the class names costs as much as the rest of addReading. */
function addCounts(sum: VehicleCounts, counts: VehicleCounts, sign: 1 | -1): void {
  sum.motorbike += sign * counts.motorbike;
  sum.car += sign * counts.car;
  sum.bus += sign * counts.bus;
  sum.truck += sign * counts.truck;
  sum.bicycle += sign * counts.bicycle;
  sum.other += sign * counts.other;
}

/** Totals of the reading's detector with nothing added yet (lastTs: the reading's ts). */
export function zeroTotals(r: Reading): DetectorTotals {
  return {
    segmentId: r.segmentId, stationId: r.stationId ?? null, sensorId: r.sensorId, lane: r.lane, seconds: 0, counts: emptyCounts(), speedVehicles: 0, speedHours: 0,
    occupancySeconds: 0, occupancyWeighted: 0, lastTs: r.ts,
  };
}

/** One reading's share of the sums that are not plain counts (a store that cannot compute them in its query language stores them). */
export interface ReadingTerms {
  speedVehicles: number;
  speedHours: number;
  occupancySeconds: number;
  occupancyWeighted: number;
}

export function readingTerms(r: Reading): ReadingTerms {
  const speed = speedTerms(r.counts, r.speedKmh);
  return {
    speedVehicles: speed.vehicles,
    speedHours: speed.hours,
    occupancySeconds: r.occupancy !== null ? r.intervalS : 0,
    occupancyWeighted: r.occupancy !== null ? r.occupancy * r.intervalS : 0,
  };
}

/**
 * Adds one reading's terms to a detector's totals (sign −1 takes them out again, for a rewritten
 * reading). `terms`: the reading's terms as a store kept them, when it did.
 */
export function addReading(t: DetectorTotals, r: Reading, sign: 1 | -1 = 1, terms: ReadingTerms = readingTerms(r)): void {
  t.seconds += sign * r.intervalS;
  addCounts(t.counts, r.counts, sign);
  t.speedVehicles += sign * terms.speedVehicles;
  t.speedHours += sign * terms.speedHours;
  t.occupancySeconds += sign * terms.occupancySeconds;
  t.occupancyWeighted += sign * terms.occupancyWeighted;
  t.lastTs = Math.max(t.lastTs, r.ts);
}
