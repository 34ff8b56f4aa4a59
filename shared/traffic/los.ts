import type { Los } from '../contract/congestion-record.ts';

/** DESIGN §5, urban (HCM urban street): LOS by speed ratio r = v / free-flow speed. */
export function urbanLos(speedRatio: number): Los {
  if (speedRatio > 0.8) return 'A';
  if (speedRatio > 0.67) return 'B';
  if (speedRatio > 0.5) return 'C';
  if (speedRatio > 0.4) return 'D';
  if (speedRatio > 0.3) return 'E';
  return 'F';
}

/** DESIGN §5, highway: LOS by density k in pc/km/lane. */
export function highwayLos(densityPcuPerKmLane: number): Los {
  if (densityPcuPerKmLane <= 7) return 'A';
  if (densityPcuPerKmLane <= 11) return 'B';
  if (densityPcuPerKmLane <= 16) return 'C';
  if (densityPcuPerKmLane <= 22) return 'D';
  if (densityPcuPerKmLane <= 28) return 'E';
  return 'F';
}
