import type { Reading } from '../contract/telemetry.ts';
import { vehicleTotal } from './pcu.ts';

/**
 * Floor for a reading's speed. A queue standing still reports 0 km/h, and n / 0 would make the
 * mean 0, the travel-time index 1 / 0 = ∞ and the density ∞ (neither fits in JSON). At 1 km/h
 * traffic is at a standstill for every practical purpose, and TTI stays finite (= free-flow speed).
 */
export const MIN_SPEED_KMH = 1;

/**
 * DESIGN §5: flow-weighted harmonic mean over readings with vehicles and a speed,
 * v = Σ n_i / Σ (n_i / v_i), n_i = vehicles in reading i. Null when no reading qualifies.
 */
export function harmonicMeanSpeed(
  readings: readonly Pick<Reading, 'counts' | 'speedKmh'>[],
): number | null {
  let vehicles = 0;
  let hours = 0; // Σ n_i / v_i
  for (const r of readings) {
    const n = vehicleTotal(r.counts);
    if (n <= 0 || r.speedKmh === null) continue;
    vehicles += n;
    hours += n / Math.max(r.speedKmh, MIN_SPEED_KMH);
  }
  return vehicles > 0 ? vehicles / hours : null;
}
