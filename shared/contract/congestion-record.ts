import { z } from 'zod';

/** Aggregation windows (DESIGN §5) and their length in ms. */
export const WINDOWS = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000 } as const;
export type WindowName = keyof typeof WINDOWS;
export const WINDOW_NAMES = Object.keys(WINDOWS) as WindowName[];
export const windowSchema = z.enum(WINDOW_NAMES as [WindowName, ...WindowName[]]);

export const LOS_LEVELS = ['A', 'B', 'C', 'D', 'E', 'F'] as const;
export type Los = (typeof LOS_LEVELS)[number];

/**
 * The congestion record, as the API and the bus carry it (DESIGN §5).
 * With status `no_data` every measured field is null. With `ok` but no speed measured
 * (counting-only detectors) the speed-derived fields and `los` are null as well.
 */
export const congestionRecordSchema = z.object({
  segmentId: z.string(),
  window: windowSchema,
  from: z.string(),
  to: z.string(),
  status: z.enum(['ok', 'no_data']),
  flowVph: z.number().nullable(),
  flowPcuph: z.number().nullable(),
  speedKmh: z.number().nullable(),
  occupancy: z.number().nullable(),
  densityPcuPerKmLane: z.number().nullable(),
  speedRatio: z.number().nullable(),
  tti: z.number().nullable(),
  congestionPct: z.number().nullable(),
  jamFactor: z.number().nullable(),
  los: z.enum(LOS_LEVELS).nullable(),
  sensorsReporting: z.number().int(),
  sensorsKnown: z.number().int(),
  /** Measurement stations (cross-sections) of the segment with a reading in the window (DESIGN §5). */
  stationsReporting: z.number().int(),
  /**
   * Of the sensors reporting, those the writer's diagnostics judge faulty now (stuck, implausible,
   * gappy, duplicating: README "Sensor health"); null where health is not known (history, and
   * records stored before health existed).
   */
  sensorsFaulty: z.number().int().nullable(),
  lastReadingAt: z.string().nullable(),
});
export type CongestionRecord = z.infer<typeof congestionRecordSchema>;

/** stationsReporting of a record stored before stations existed: it had one station, the default one (if anything reported). */
export function stationsBeforeStations(sensorsReporting: number): number {
  return sensorsReporting > 0 ? 1 : 0;
}
