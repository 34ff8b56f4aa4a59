import type { VehicleClass, VehicleCounts } from '../contract/vehicle-classes.ts';

/** Passenger-car units per vehicle class (DESIGN §5; configurable). */
export type PcuWeights = Record<VehicleClass, number>;

/** DESIGN §5: defaults after TCVN 4054:2005, plains terrain. */
export const DEFAULT_PCU_WEIGHTS: Readonly<PcuWeights> = Object.freeze({
  bicycle: 0.2,
  motorbike: 0.3,
  car: 1.0,
  bus: 2.5,
  truck: 2.5,
  other: 1.0,
});

/** Number of vehicles of every class in one count. */
export function vehicleTotal(counts: Readonly<VehicleCounts>): number {
  return counts.motorbike + counts.car + counts.bus + counts.truck + counts.bicycle + counts.other;
}

/** The same count in passenger-car units: Σ count_c × weight_c. */
export function pcuTotal(counts: Readonly<VehicleCounts>, weights: Readonly<PcuWeights>): number {
  return (
    counts.motorbike * weights.motorbike +
    counts.car * weights.car +
    counts.bus * weights.bus +
    counts.truck * weights.truck +
    counts.bicycle * weights.bicycle +
    counts.other * weights.other
  );
}
