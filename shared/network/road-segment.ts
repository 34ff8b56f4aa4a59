import { z } from 'zod';
import { idSchema } from '../contract/telemetry.ts';

/** Properties of one directed road segment (DESIGN §4). */
export const roadSegmentSchema = z.object({
  id: idSchema,
  name: z.string().min(1),
  road: z.string().min(1),
  direction: z.string().min(1),
  lanes: z.number().int().min(1).max(16),
  lengthM: z.number().positive(),
  freeFlowKmh: z.number().positive().max(250),
  capacityPcuPerHourPerLane: z.number().positive(),
  kind: z.enum(['urban', 'highway']),
  /**
   * Optional measurement stations (cross-sections) of the segment: each with the lanes it
   * measures, so that sensorsKnown counts lanes per station. Readings may name other stations too.
   */
  stations: z
    .array(z.strictObject({ id: idSchema, offsetM: z.number().min(0), lanes: z.number().int().min(1).max(16) }))
    .optional(),
});
export type RoadSegmentProperties = z.infer<typeof roadSegmentSchema>;

export interface RoadSegment extends RoadSegmentProperties {
  /** [lon, lat] pairs of the LineString, in travel direction. */
  coordinates: [number, number][];
}

export interface RoadNetwork {
  segments: RoadSegment[];
  byId: ReadonlyMap<string, RoadSegment>;
}
