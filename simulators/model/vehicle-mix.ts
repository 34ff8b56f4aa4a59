import { VEHICLE_CLASSES, emptyCounts, type VehicleClass, type VehicleCounts } from '../../shared/contract/vehicle-classes.ts';
import type { RoadSegment } from '../../shared/network/road-segment.ts';
import type { PcuWeights } from '../../shared/traffic/pcu.ts';
import type { Prng } from './prng.ts';

/** Share of vehicles per class (sums to 1). */
export type VehicleMix = Record<VehicleClass, number>;
export type VehicleMixes = Record<RoadSegment['kind'], VehicleMix>;

/**
 * Defaults for Bình Dương: city streets are motorbike-dominated (about four in five vehicles);
 * the industrial highway carries far more cars and trucks (container traffic to the ports).
 */
export const DEFAULT_VEHICLE_MIXES: VehicleMixes = {
  urban: { motorbike: 0.82, car: 0.12, bus: 0.01, truck: 0.03, bicycle: 0.015, other: 0.005 },
  highway: { motorbike: 0.3, car: 0.38, bus: 0.05, truck: 0.25, bicycle: 0, other: 0.02 },
};

/** Scales shares to sum to 1; missing classes are 0. Throws on a negative share or an all-zero mix. */
export function normaliseMix(shares: Partial<Record<VehicleClass, number>>): VehicleMix {
  const mix = emptyCounts();
  let sum = 0;
  for (const c of VEHICLE_CLASSES) {
    const share = shares[c] ?? 0;
    if (!(share >= 0)) throw new Error(`vehicle mix: share of ${c} must be ≥ 0, got ${share}`);
    mix[c] = share;
    sum += share;
  }
  if (sum <= 0) throw new Error('vehicle mix: at least one class needs a positive share');
  for (const c of VEHICLE_CLASSES) mix[c] /= sum;
  return mix;
}

/** Mean passenger-car units per vehicle of a mix: Σ share_c × weight_c. */
export function meanPcuPerVehicle(mix: Readonly<VehicleMix>, weights: Readonly<PcuWeights>): number {
  let pcu = 0;
  for (const c of VEHICLE_CLASSES) pcu += mix[c] * weights[c];
  return pcu;
}

/** Splits `n` vehicles into classes by the mix (multinomial, by sequential binomials). */
export function splitByMix(n: number, mix: Readonly<VehicleMix>, rng: Prng): VehicleCounts {
  const counts = emptyCounts();
  let left = n;
  let shareLeft = 1;
  for (const c of VEHICLE_CLASSES) {
    if (left <= 0) break;
    const share = mix[c];
    const k = share >= shareLeft ? left : rng.binomial(left, share / shareLeft);
    counts[c] = k;
    left -= k;
    shareLeft -= share;
  }
  // Rounding of the shares can leave a vehicle unassigned: it goes to the most common class.
  if (left > 0) counts[mostCommon(mix)] += left;
  return counts;
}

function mostCommon(mix: Readonly<VehicleMix>): VehicleClass {
  return VEHICLE_CLASSES.reduce((best, c) => (mix[c] > mix[best] ? c : best), VEHICLE_CLASSES[0]);
}
