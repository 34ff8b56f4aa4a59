import type { FastifyInstance } from 'fastify';
import type { Config } from '../../shared/config/schema.ts';
import { healthConfigFrom } from '../../shared/health/health-config.ts';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import type { Bus } from '../../shared/ports/bus.ts';
import type { CongestionQueryContext } from '../../shared/queries/congestion-at.ts';
import { readApiKeysFile } from './api-keys-file.ts';
import { watchApiKeysFile } from './api-keys-reload.ts';
import { ApiKeys } from './api-keys.ts';
import { buildApp } from './build-app.ts';
import { httpsFilesFromConfig, httpsServerFactory } from './https-server.ts';

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/** Builds the API as configured (HTTPS when ROADPULSE_HTTP_TLS_* are set) and listens on ROADPULSE_HTTP_HOST:ROADPULSE_HTTP_PORT. */
export async function startApi(
  config: Config,
  deps: {
    query: CongestionQueryContext;
    bus: Bus;
    metrics: Metrics;
    log: Logger;
    /** More routes, registered after the API's own and before it listens (tests). */
    extraRoutes?: (app: FastifyInstance) => void;
  },
): Promise<{ app: FastifyInstance; port: number }> {
  const log = deps.log.child({ component: 'api' });
  const keysFile = config.ROADPULSE_API_KEYS_FILE;
  const keys = new ApiKeys(keysFile ? readApiKeysFile(keysFile) : [], config.ROADPULSE_API_KEYS);
  if (config.ROADPULSE_API_KEYS.length > 0) {
    log.warn('ROADPULSE_API_KEYS holds plain keys (scope read) and is deprecated: use ROADPULSE_API_KEYS_FILE (npm run api-keys)');
  }
  if (!keys.configured && !isLoopback(config.ROADPULSE_HTTP_HOST)) {
    log.warn({ host: config.ROADPULSE_HTTP_HOST }, 'the API listens beyond loopback without API keys: anyone who reaches it can read everything and change state');
  }
  const { extraRoutes, ...apiDeps } = deps;
  const https = httpsFilesFromConfig(config);
  const app = await buildApp({
    ...apiDeps,
    ...(https ? { serverFactory: httpsServerFactory(https, deps) } : {}),
    apiKeys: config.ROADPULSE_API_KEYS,
    historyMaxPoints: config.ROADPULSE_HISTORY_MAX_POINTS,
    sensorViewMs: config.ROADPULSE_SENSOR_KNOWN_H * 3600_000,
    ngsiContextUrl: config.ROADPULSE_NGSI_CONTEXT_URL,
    security: {
      keys,
      rateLimitPerMin: config.ROADPULSE_API_RATE_LIMIT,
      corsOrigins: config.ROADPULSE_API_CORS_ORIGINS,
      bodyLimitBytes: config.ROADPULSE_API_BODY_LIMIT,
    },
    health: healthConfigFrom(config),
    timeZone: config.ROADPULSE_TIMEZONE,
  });
  extraRoutes?.(app);
  if (keysFile) {
    const stopWatching = watchApiKeysFile(keysFile, keys, log);
    app.addHook('onClose', async () => stopWatching());
  }
  await app.listen({ host: config.ROADPULSE_HTTP_HOST, port: config.ROADPULSE_HTTP_PORT });
  return { app, port: (app.server.address() as { port: number }).port };
}
