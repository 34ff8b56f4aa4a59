import type { FastifyInstance } from 'fastify';
import type { Config } from '../../shared/config/schema.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import type { Bus } from '../../shared/ports/bus.ts';
import type { CongestionQueryContext } from '../../shared/queries/congestion-at.ts';
import { buildApp } from './build-app.ts';

/** Builds the API as configured and listens on ROADPULSE_HTTP_HOST:ROADPULSE_HTTP_PORT. */
export async function startApi(
  config: Config,
  deps: { query: CongestionQueryContext; bus: Bus; metrics: Metrics; log: Logger },
): Promise<{ app: FastifyInstance; port: number }> {
  const app = await buildApp({
    ...deps,
    apiKeys: config.ROADPULSE_API_KEYS,
    historyMaxPoints: config.ROADPULSE_HISTORY_MAX_POINTS,
    sensorViewMs: config.ROADPULSE_SENSOR_KNOWN_H * 3600_000,
    timeZone: config.ROADPULSE_TIMEZONE,
  });
  await app.listen({ host: config.ROADPULSE_HTTP_HOST, port: config.ROADPULSE_HTTP_PORT });
  return { app, port: (app.server.address() as { port: number }).port };
}
