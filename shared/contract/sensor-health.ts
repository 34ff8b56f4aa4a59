import { z } from 'zod';

/**
 * Sensor health (issue 12; diagnostics after Caltrans PeMS). States in severity order, most severe
 * first: a sensor with several reasons is in the first one's state.
 * - offline: its status (or its gateway's) says offline (MQTT last-will) and no reading came since;
 * - stale: no reading for K of its intervals;
 * - implausible: values no detector can measure, in its last hour of readings;
 * - stuck: identical counts and speed (with vehicles) for K readings in a row while a neighbour on
 *   the same segment varies;
 * - gappy: seq numbers missing in its last hour of readings;
 * - duplicating: a reading (same seq and ts) received again in its last hour of readings;
 * - online: none of these.
 */
export const HEALTH_STATES = ['offline', 'stale', 'implausible', 'stuck', 'gappy', 'duplicating', 'online'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];
export const healthStateSchema = z.enum(HEALTH_STATES);

export const severityOf = (state: HealthState): number => HEALTH_STATES.indexOf(state);

/** Rules a reading breaks to be implausible (README "Sensor health"). */
export const IMPLAUSIBLE_RULES = ['flow_above_max', 'occupied_but_moving', 'speed_without_vehicles'] as const;
export type ImplausibleRule = (typeof IMPLAUSIBLE_RULES)[number];

const ms = z.number().int();

/**
 * What the writer's health tracker knows of one sensor, as it stores it (one row per sensor, the
 * latest wins). Times of readings (`lastTs`, `since`, `lastAt`) are reading ts; `at` is when the
 * snapshot was taken (writer clock).
 */
export const sensorHealthSnapshotSchema = z.object({
  sensorId: z.string(),
  segmentId: z.string(),
  at: ms,
  lastTs: ms,
  intervalS: z.number().int().min(1),
  /** Confirmed stuck: the run of identical readings, since its first one. */
  stuck: z.object({ since: ms, readings: z.number().int() }).nullable(),
  /** The latest episode of implausible readings (one episode: no gap longer than the window between them). */
  implausible: z.object({ since: ms, lastAt: ms, count: z.number().int(), rule: z.enum(IMPLAUSIBLE_RULES), value: z.number() }).nullable(),
  /** Seq numbers over the last hour of readings; null when the sensor sends no seq. */
  gaps: z.object({ missing: z.number().int(), expected: z.number().int(), since: ms.nullable() }).nullable(),
  /** The latest episode of duplicates. */
  duplicates: z.object({ since: ms, lastAt: ms, count: z.number().int() }).nullable(),
});
export type SensorHealthSnapshot = z.infer<typeof sensorHealthSnapshotSchema>;

export const healthReasonSchema = z.object({
  code: healthStateSchema,
  detail: z.string(),
  since: z.iso.datetime().nullable(),
});
export type HealthReason = z.infer<typeof healthReasonSchema>;

/** A sensor's health as the API shows it. */
export const sensorHealthSchema = z.object({
  state: healthStateSchema,
  since: z.iso.datetime().nullable(),
  reasons: z.array(healthReasonSchema),
  gapShare: z.number().min(0).max(1).optional(),
});
export type SensorHealth = z.infer<typeof sensorHealthSchema>;
