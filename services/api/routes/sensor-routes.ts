import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../../../shared/errors/app-error.ts';
import type { SensorSummary } from '../../../shared/ports/store.ts';
import type { ApiDeps } from '../api-deps.ts';
import { idParams } from '../params.ts';

/** Sensor health: last reading, accepted and rejected counts over the view period, last status. */
export function sensorRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  const now = deps.now ?? Date.now;
  const present = (s: SensorSummary) => ({
    ...s,
    lastReadingAt: s.lastReadingAt === null ? null : new Date(s.lastReadingAt).toISOString(),
    stateAt: s.stateAt === null ? null : new Date(s.stateAt).toISOString(),
  });
  const summaries = () => {
    const t = now();
    // The upper bound leaves room for readings stamped a little in the future (accepted up to 5 min).
    return deps.query.store.sensors({ from: t - deps.sensorViewMs, to: t + 3600_000 });
  };

  return async (app) => {
    app.get('/sensors', { schema: { summary: 'Every sensor seen in the view period, with its health' } }, async () => ({
      periodHours: deps.sensorViewMs / 3600_000,
      sensors: (await summaries()).map(present),
    }));

    app.get('/sensors/:id', { schema: { params: idParams, summary: 'One sensor' } }, async (req) => {
      const found = (await summaries()).find((s) => s.sensorId === req.params.id);
      if (!found) throw new AppError('not_found', `sensor "${req.params.id}" has not been seen`);
      return present(found);
    });
  };
}
