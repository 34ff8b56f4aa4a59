/** Vehicle classes a detector may count (DESIGN §3). Order is the display order. */
export const VEHICLE_CLASSES = ['motorbike', 'car', 'bus', 'truck', 'bicycle', 'other'] as const;
export type VehicleClass = (typeof VEHICLE_CLASSES)[number];
export type VehicleCounts = Record<VehicleClass, number>;

export function emptyCounts(): VehicleCounts {
  return { motorbike: 0, car: 0, bus: 0, truck: 0, bicycle: 0, other: 0 };
}
