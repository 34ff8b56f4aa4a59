import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { HEALTH_STATES, sensorHealthSchema } from '../../../shared/contract/sensor-health.ts';
import { DEFAULT_HEALTH_CONFIG } from '../../../shared/health/health-config.ts';
import { countByState, sensorsWithHealth, worstSensors } from '../../../shared/queries/sensor-health.ts';
import type { ApiDeps } from '../api-deps.ts';

/** Most sensors `worst` lists. */
const WORST = 10;

const EXAMPLE = {
  counts: { offline: 1, stale: 0, implausible: 0, stuck: 1, gappy: 0, duplicating: 0, online: 196 },
  worst: [
    {
      sensorId: 'gw012.ql13-nb-04.r0l2', segmentId: 'ql13-nb-04', lastReadingAt: '2026-01-05T01:29:00.000Z', state: 'offline',
      since: '2026-01-05T01:29:30.120Z',
      reasons: [{ code: 'offline', detail: 'status is offline (last will or status message) and no reading came since', since: '2026-01-05T01:29:30.120Z' }],
      gapShare: 0,
    },
    {
      sensorId: 'gw031.tdm-cmt8-01.r0l1', segmentId: 'tdm-cmt8-01', lastReadingAt: '2026-01-05T01:31:00.000Z', state: 'stuck',
      since: '2026-01-05T01:22:00.000Z',
      reasons: [{ code: 'stuck', detail: '10 identical readings (counts and speed) in a row while a neighbour on tdm-cmt8-01 varies', since: '2026-01-05T01:22:00.000Z' }],
      gapShare: 0,
    },
  ],
};

const responseSchema = z
  .object({
    counts: z.object(Object.fromEntries(HEALTH_STATES.map((s) => [s, z.number().int().min(0)])) as Record<(typeof HEALTH_STATES)[number], z.ZodNumber>),
    worst: z.array(sensorHealthSchema.extend({ sensorId: z.string(), segmentId: z.string().nullable(), lastReadingAt: z.iso.datetime().nullable() })),
  })
  .meta({ example: EXAMPLE });

/** The fleet's health at a glance (the dashboard's health panel): sensors per state and the worst ones. */
export function sensorHealthRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  const now = deps.now ?? Date.now;
  return async (app) => {
    const summary = `Sensors per health state, and up to ${WORST} unhealthy sensors, most severe first`;
    app.get('/sensor-health', { schema: { summary, response: { 200: responseSchema } } }, async () => {
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
