import type { HealthConfig } from '../../shared/health/health-config.ts';
import type { FastifyServerFactory } from 'fastify';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import type { Bus } from '../../shared/ports/bus.ts';
import type { CongestionQueryContext } from '../../shared/queries/congestion-at.ts';
import type { ApiKeys } from './api-keys.ts';
import type { ApiProtectionOptions } from './api-protection.ts';

/** Everything the HTTP API needs, passed in by the composition root. */
export interface ApiDeps {
  query: CongestionQueryContext;
  bus: Bus;
  metrics: Metrics;
  log: Logger;
  /** Deprecated plain keys (ROADPULSE_API_KEYS, scope read); used when `security` is not given. */
  apiKeys: readonly string[];
  historyMaxPoints: number;
  /** How far back the sensor view counts accepted and rejected readings. */
  sensorViewMs: number;
  /** Sensor health thresholds (ROADPULSE_HEALTH_*); default DEFAULT_HEALTH_CONFIG. */
  health?: HealthConfig;
  now?: () => number;
  /** Creates the server fastify listens with (HTTPS); default: fastify's own HTTP server. */
  serverFactory?: FastifyServerFactory;
  /** IANA time zone the dashboard shows times in (ROADPULSE_TIMEZONE); default Asia/Ho_Chi_Minh. */
  timeZone?: string;
  /** Absolute URL of the NGSI-LD @context (ROADPULSE_NGSI_CONTEXT_URL); default: derived from the request. */
  ngsiContextUrl?: string | undefined;
  /** Keys with scopes, rate limit, CORS, body limit; default: the legacy keys only, no limit, no CORS, 16 KiB. */
  security?: ApiSecurity;
}

export interface ApiSecurity extends ApiProtectionOptions {
  keys: ApiKeys;
  /** Largest request body in bytes (413 above). */
  bodyLimitBytes: number;
}
