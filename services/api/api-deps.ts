import type { FastifyServerFactory } from 'fastify';
import type { Logger } from '../../shared/logging/create-logger.ts';
import type { Metrics } from '../../shared/metrics/metrics.ts';
import type { Bus } from '../../shared/ports/bus.ts';
import type { CongestionQueryContext } from '../../shared/queries/congestion-at.ts';

/** Everything the HTTP API needs, passed in by the composition root. */
export interface ApiDeps {
  query: CongestionQueryContext;
  bus: Bus;
  metrics: Metrics;
  log: Logger;
  apiKeys: readonly string[];
  historyMaxPoints: number;
  /** How far back the sensor view counts accepted and rejected readings. */
  sensorViewMs: number;
  now?: () => number;
  /** Creates the server fastify listens with (HTTPS); default: fastify's own HTTP server. */
  serverFactory?: FastifyServerFactory;
}
