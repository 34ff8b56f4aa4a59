import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DEFAULT_HEALTH_CONFIG } from '../../../shared/health/health-config.ts';
import { countByState, sensorsWithHealth, worstSensors } from '../../../shared/queries/sensor-health.ts';
import type { ApiDeps } from '../api-deps.ts';

/** Most sensors `worst` lists. */
const WORST = 10;

/** The fleet's health at a glance (the dashboard's health panel): sensors per state and the worst ones. */
export function sensorHealthRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  const now = deps.now ?? Date.now;
  return async (app) => {
    app.get('/sensor-health', { schema: { summary: `Sensors per health state, and up to ${WORST} unhealthy sensors, most severe first` } }, async () => {
      const sensors = await sensorsWithHealth(deps.query.store, deps.health ?? DEFAULT_HEALTH_CONFIG, { now: now(), viewMs: deps.sensorViewMs });
      return {
        counts: countByState(sensors),
        worst: worstSensors(sensors, WORST).map((s) => ({
          sensorId: s.sensorId,
          segmentId: s.segmentId,
          lastReadingAt: s.lastReadingAt === null ? null : new Date(s.lastReadingAt).toISOString(),
          ...s.health,
        })),
      };
    });
  };
}
