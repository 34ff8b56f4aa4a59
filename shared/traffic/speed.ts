import type { Reading } from '../contract/telemetry.ts';
import { vehicleTotal } from './pcu.ts';

/**
 * Floor for a reading's speed. A queue standing still reports 0 km/h, and n / 0 would make the
 * mean 0, the travel-time index 1 / 0 = ∞ and the density ∞ (neither fits in JSON). At 1 km/h
 * traffic is at a standstill for every practical purpose, and TTI stays finite (= free-flow speed).
 */
export const MIN_SPEED_KMH = 1;

/** One reading's term of the harmonic mean's denominator: n / v, with the speed floor. */
export function vehicleHours(vehicles: number, speedKmh: number): number {
  return vehicles / Math.max(speedKmh, MIN_SPEED_KMH);
}

/** v = Σ n_i / Σ (n_i / v_i) from its two sums; null when no reading had vehicles and a speed. */
export function harmonicMean(vehicles: number, hours: number): number | null {
  return vehicles > 0 ? vehicles / hours : null;
}

/**
 * DESIGN §5: flow-weighted harmonic mean over readings with vehicles and a speed,
 * v = Σ n_i / Σ (n_i / v_i), n_i = vehicles in reading i. Null when no reading qualifies.
 */
export function harmonicMeanSpeed(
  readings: readonly Pick<Reading, 'counts' | 'speedKmh'>[],
): number | null {
  let vehicles = 0;
  let hours = 0;
  for (const r of readings) {
    const n = vehicleTotal(r.counts);
    if (n <= 0 || r.speedKmh === null) continue;
    vehicles += n;
    hours += vehicleHours(n, r.speedKmh);
  }
  return harmonicMean(vehicles, hours);
}
