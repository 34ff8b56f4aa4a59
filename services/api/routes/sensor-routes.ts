import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HEALTH_STATES } from '../../../shared/contract/sensor-health.ts';
import { AppError } from '../../../shared/errors/app-error.ts';
import { DEFAULT_HEALTH_CONFIG } from '../../../shared/health/health-config.ts';
import { sensorsWithHealth, type SensorWithHealth } from '../../../shared/queries/sensor-health.ts';
import type { ApiDeps } from '../api-deps.ts';
import { idParams } from '../params.ts';

const sensorsQuery = z.strictObject({
  state: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(z.enum(HEALTH_STATES)))
    .optional()
    .describe(`comma-separated health states to keep: ${HEALTH_STATES.join(', ')}`),
});

/** Sensor view: last reading, accepted and rejected counts over the view period, last status, and health (README "Sensor health"). */
export function sensorRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  const now = deps.now ?? Date.now;
  const present = (s: SensorWithHealth) => ({
    ...s,
    lastReadingAt: s.lastReadingAt === null ? null : new Date(s.lastReadingAt).toISOString(),
    stateAt: s.stateAt === null ? null : new Date(s.stateAt).toISOString(),
  });
  const judged = () => sensorsWithHealth(deps.query.store, deps.health ?? DEFAULT_HEALTH_CONFIG, { now: now(), viewMs: deps.sensorViewMs });

  return async (app) => {
    app.get(
      '/sensors',
      { schema: { querystring: sensorsQuery, summary: 'Every sensor seen in the view period, with its health; ?state= keeps some states' } },
      async (req) => {
        const states = req.query.state ? new Set(req.query.state) : null;
        const sensors = (await judged()).filter((s) => states === null || states.has(s.health.state));
        return { periodHours: deps.sensorViewMs / 3600_000, sensors: sensors.map(present) };
      },
    );

    app.get('/sensors/:id', { schema: { params: idParams, summary: 'One sensor, with its health' } }, async (req) => {
      const found = (await judged()).find((s) => s.sensorId === req.params.id);
      if (!found) throw new AppError('not_found', `sensor "${req.params.id}" has not been seen`);
      return present(found);
    });
  };
}
