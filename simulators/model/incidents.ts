import type { RoadSegment } from '../../shared/network/road-segment.ts';
import { incidentCapacityFactor } from './fundamental-diagram.ts';

/** Lanes 1…lanesBlocked (1 = rightmost, where breakdowns and crashes usually end up) closed for a time. */
export interface Incident {
  segmentId: string;
  lanesBlocked: number;
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
