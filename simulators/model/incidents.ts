import type { RoadSegment } from '../../shared/network/road-segment.ts';
import { incidentCapacityFactor } from './fundamental-diagram.ts';

/** Lanes 1…lanesBlocked (1 = rightmost, where breakdowns and crashes usually end up) closed for a time. */
export interface Incident {
  segmentId: string;
  lanesBlocked: number;
  /** Where the blockage stands, metres from the segment's start (default: DEFAULT_BLOCKAGE_SHARE of its length). */
  offsetM?: number;
  /** Epoch ms, inclusive. */
  startMs: number;
  /** Epoch ms, exclusive. */
  endMs: number;
}

/** Lanes of `segment` blocked at `atMs` (the most any active incident blocks), as lane numbers. */
export function blockedLanes(segment: RoadSegment, incidents: readonly Incident[], atMs: number): number[] {
  let blocked = 0;
  for (const i of incidents) {
    if (i.segmentId === segment.id && atMs >= i.startMs && atMs < i.endMs) blocked = Math.max(blocked, i.lanesBlocked);
  }
  const n = Math.min(blocked, segment.lanes);
  return Array.from({ length: n }, (_, k) => k + 1);
}

/** Share of the segment's capacity left at `atMs`. */
export function capacityFactorAt(segment: RoadSegment, incidents: readonly Incident[], atMs: number): number {
  return incidentCapacityFactor(segment.lanes, blockedLanes(segment, incidents, atMs).length);
}

/** An incident with no position given blocks the segment a third of the way along it. */
export const DEFAULT_BLOCKAGE_SHARE = 1 / 3;

/** The blockage on `segment` at `atMs`: the lanes closed and where (of the incident closing the most lanes); null if none. */
export function blockageAt(segment: RoadSegment, incidents: readonly Incident[], atMs: number): { lanes: number[]; offsetM: number } | null {
  const lanes = blockedLanes(segment, incidents, atMs);
  if (lanes.length === 0) return null;
  const worst = incidents
    .filter((i) => i.segmentId === segment.id && atMs >= i.startMs && atMs < i.endMs)
    .reduce((a, b) => (b.lanesBlocked > a.lanesBlocked ? b : a));
  return { lanes, offsetM: worst.offsetM ?? segment.lengthM * DEFAULT_BLOCKAGE_SHARE };
}
