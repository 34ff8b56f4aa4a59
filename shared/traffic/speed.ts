import type { Reading } from '../contract/telemetry.ts';
import { vehicleTotal } from './pcu.ts';

/**
 * Floor for a reading's speed. A queue standing still reports 0 km/h, and n / 0 would make the
 * mean 0, the travel-time index 1 / 0 = ∞ and the density ∞ (neither fits in JSON). At 1 km/h
 * traffic is at a standstill for every practical purpose, and TTI stays finite (= free-flow speed).
 */
export const MIN_SPEED_KMH = 1;

/**
 * One reading's terms of the harmonic mean: n (its vehicles) and n / v (with the speed floor);
 * both 0 when the reading does not count for speed (no vehicles, or no speed).
 */
export function speedTerms(counts: Reading['counts'], speedKmh: number | null): { vehicles: number; hours: number } {
  const n = vehicleTotal(counts);
  if (n <= 0 || speedKmh === null) return { vehicles: 0, hours: 0 };
  return { vehicles: n, hours: n / Math.max(speedKmh, MIN_SPEED_KMH) };
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
    const t = speedTerms(r.counts, r.speedKmh);
    vehicles += t.vehicles;
    hours += t.hours;
  }
  return harmonicMean(vehicles, hours);
}
