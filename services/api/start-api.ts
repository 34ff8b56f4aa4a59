import type { FastifyInstance } from 'fastify';
import type { Config } from '../../shared/config/schema.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import type { Bus } from '../../shared/ports/bus.ts';
import type { CongestionQueryContext } from '../../shared/queries/congestion-at.ts';
import { buildApp } from './build-app.ts';
import { httpsFilesFromConfig, httpsServerFactory } from './https-server.ts';

/** Builds the API as configured (HTTPS when ROADPULSE_HTTP_TLS_* are set) and listens on ROADPULSE_HTTP_HOST:ROADPULSE_HTTP_PORT. */
export async function startApi(
  config: Config,
  deps: { query: CongestionQueryContext; bus: Bus; metrics: Metrics; log: Logger },
): Promise<{ app: FastifyInstance; port: number }> {
  const https = httpsFilesFromConfig(config);
  const app = await buildApp({
    ...deps,
    ...(https ? { serverFactory: httpsServerFactory(https, deps) } : {}),
    apiKeys: config.ROADPULSE_API_KEYS,
    historyMaxPoints: config.ROADPULSE_HISTORY_MAX_POINTS,
    sensorViewMs: config.ROADPULSE_SENSOR_KNOWN_H * 3600_000,
  });
  await app.listen({ host: config.ROADPULSE_HTTP_HOST, port: config.ROADPULSE_HTTP_PORT });
  return { app, port: (app.server.address() as { port: number }).port };
}
