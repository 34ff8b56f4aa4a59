import { z } from 'zod';

/** Status/heartbeat payload on traffic/v1/{sensorId}/status (DESIGN §2); last-will is {"state":"offline"}. */
export const SENSOR_STATES = ['online', 'offline', 'degraded'] as const;
export const statusPayloadSchema = z.object({ state: z.enum(SENSOR_STATES) }).loose();

export const sensorStatusSchema = z.object({
  sensorId: z.string(),
  state: z.enum(SENSOR_STATES),
  at: z.number().int(),
  detail: z.record(z.string(), z.unknown()),
});
export type SensorStatus = z.infer<typeof sensorStatusSchema>;
